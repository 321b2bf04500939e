/** A set of simulated sidecars, one per workload, with waits on their collective sync state. */
import { buildBootstrapNode, ProxyNode } from '../../src/model';
import type { BenchWorkload } from '../mesh-config';
import type { WireResponse } from './ads-wire';
import { AdsFlavour, SimulatedProxy } from './simulated-proxy';

/** The identity a sidecar of `workload` has, interception NONE. */
export function sidecarProxyNode(workload: BenchWorkload): ProxyNode {
  return {
    id: `sidecar~${workload.address}~${workload.name}.${workload.namespace}~${workload.namespace}.svc.cluster.local`,
    cluster: `${workload.labels.app}.${workload.namespace}`,
    namespace: workload.namespace,
    serviceAccount: workload.labels.app,
    name: workload.name,
    labels: workload.labels,
    instanceIp: workload.address,
    interceptionMode: 'NONE',
  };
}

/** The node such a sidecar sends: built by the same function as the bootstrap's `node`. */
export function sidecarNode(workload: BenchWorkload): Record<string, unknown> {
  return buildBootstrapNode(sidecarProxyNode(workload));
}

export interface FleetOptions {
  readonly target: string;
  readonly flavour: AdsFlavour;
  readonly onAck?: (proxy: SimulatedProxy, typeUrl: string, at: number) => void;
  readonly onResponse?: (proxy: SimulatedProxy, response: WireResponse) => void;
}

/** One proxy of a fleet built from explicit nodes: what it sends and the call metadata of its streams. */
export interface FleetMember {
  readonly node: Record<string, unknown>;
  readonly callMetadata?: Record<string, string>;
}

export class ProxyFleet {
  /** A fleet of the given nodes (e.g. with Istio metadata and service-account tokens). */
  static ofMembers(members: readonly FleetMember[], options: FleetOptions): ProxyFleet {
    return new ProxyFleet(members, options);
  }

  readonly proxies: SimulatedProxy[];

  constructor(workloads: readonly (BenchWorkload | FleetMember)[], options: FleetOptions) {
    this.proxies = workloads.map((entry, index) => new SimulatedProxy(`proxy-${index}`, {
      node: 'node' in entry ? entry.node : sidecarNode(entry),
      callMetadata: 'node' in entry ? entry.callMetadata : undefined,
      target: options.target, flavour: options.flavour, onAck: options.onAck, onResponse: options.onResponse,
    }));
  }

  connectAll(): void {
    for (const proxy of this.proxies) proxy.connect();
  }

  closeAll(): void {
    for (const proxy of this.proxies) proxy.close();
  }

  get syncedCount(): number {
    return this.proxies.filter((proxy) => proxy.isSynced).length;
  }

  /** Resolves when `done()` holds, polling every `everyMs`; rejects after `timeoutMs` saying how far it got. */
  async waitFor(what: string, done: () => boolean, timeoutMs: number, everyMs = 5): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (performance.now() > deadline) {
        throw new Error(`${what}: not reached within ${timeoutMs} ms (${this.syncedCount}/${this.proxies.length} proxies synced)`);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }

  waitAllSynced(timeoutMs: number): Promise<void> {
    return this.waitFor('every proxy ACKs every type', () => this.proxies.every((proxy) => proxy.isSynced), timeoutMs);
  }

  /** The latest ACK time over all proxies and types. */
  lastAckAt(): number {
    return Math.max(...this.proxies.flatMap((proxy) => [...proxy.counters.values()].map((counters) => counters.lastAckAt ?? 0)));
  }

  totalBytes(typeUrl?: string): number {
    return this.proxies.reduce((sum, proxy) => sum + [...proxy.counters].filter(([type]) => !typeUrl || type === typeUrl)
      .reduce((inner, [, counters]) => inner + counters.bytes, 0), 0);
  }
}
