/**
 * A KubeConfig whose requests share kept-alive connections. The client library makes a new HTTPS
 * agent for every request, so every call (a Lease renewal every 2 s, each Event, each ConfigMap
 * write) paid a TCP and TLS handshake; here one agent per API server and credentials is made
 * once and reused. Credentials that change (a rotated client certificate or CA) get a new agent.
 */
import { createHash } from 'crypto';
import type { Agent } from 'http';
import * as k8s from '@kubernetes/client-node';

type AgentFactory = (cluster: k8s.Cluster | null, options: Record<string, unknown>) => Agent;

/** The agent options that decide which server and identity a connection is for. */
const IDENTITY_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized'] as const;

export class ConnectionReusingKubeConfig extends k8s.KubeConfig {
  private readonly agents = new Map<string, Agent>();

  constructor() {
    super();
    // `createAgent` is the library's own (private in its typings) per-request factory.
    const self = this as unknown as { createAgent: AgentFactory };
    const createAgent = self.createAgent.bind(this);
    self.createAgent = (cluster, options) => {
      const key = agentKey(cluster, options);
      let agent = this.agents.get(key);
      if (!agent) {
        agent = createAgent(cluster, { ...options, keepAlive: true });
        this.agents.set(key, agent);
      }
      return agent;
    };
  }

  /** How many distinct agents (server × credentials) were made. */
  get agentCount(): number {
    return this.agents.size;
  }
}

function agentKey(cluster: k8s.Cluster | null, options: Record<string, unknown>): string {
  const hash = createHash('sha256').update(`${cluster?.server ?? ''}\u0000${cluster?.proxyUrl ?? ''}\u0000${cluster?.skipTLSVerify ?? ''}`);
  for (const name of IDENTITY_OPTIONS) {
    const value = options[name];
    hash.update(`\u0000${name}=`);
    if (value !== undefined) hash.update(Buffer.isBuffer(value) ? value : String(value));
  }
  return hash.digest('hex');
}
