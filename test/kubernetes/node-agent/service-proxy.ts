/**
 * The service proxy, standing in for kube-proxy in iptables mode: in the node's namespace, each
 * ClusterIP:port (and node port) is DNATed to a ready endpoint of its EndpointSlices, chosen at
 * random with `-m statistic`; PREROUTING catches pods' traffic and OUTPUT the test process's. A
 * Service without ready endpoints is rejected at once instead of timing out. The whole rule set
 * is replaced atomically (`iptables-restore --noflush`, chains of its own) on every change.
 */
import { createHash } from 'crypto';
import type { EndpointSlice, Service } from './pod-types';
import { runChecked, runCommand } from '../cluster/command';
import { TEST_NETWORK } from '../cluster/test-network';

const CHAIN_PREFIX = 'TEST-';
const SERVICES_CHAIN = 'TEST-SERVICES';
const POSTROUTING_CHAIN = 'TEST-POSTROUTING';
const REJECT_CHAIN = 'TEST-REJECT';
/** Marks hairpin traffic (a pod reaching itself through its Service) for SNAT, as kube-proxy does. */
const HAIRPIN_MARK = '0x4000/0x4000';

/** The chains and jumps the proxy hooks into the built-in chains. */
const HOOKS: readonly (readonly string[])[] = [
  ['-t', 'nat', 'PREROUTING', '-j', SERVICES_CHAIN],
  ['-t', 'nat', 'OUTPUT', '-j', SERVICES_CHAIN],
  ['-t', 'nat', 'POSTROUTING', '-j', POSTROUTING_CHAIN],
  ['-t', 'filter', 'OUTPUT', '-j', REJECT_CHAIN],
  ['-t', 'filter', 'FORWARD', '-j', REJECT_CHAIN],
];

/** The `iptables-restore` input for the current Services and EndpointSlices. */
export function renderServiceRules(services: readonly Service[], slices: readonly EndpointSlice[], existingChains: readonly string[] = []): string {
  const nat: string[] = [];
  const natChains = new Set([SERVICES_CHAIN, POSTROUTING_CHAIN]);
  const rejects: string[] = [];
  nat.push(`-A ${POSTROUTING_CHAIN} -m mark --mark ${HAIRPIN_MARK} -j SNAT --to-source ${TEST_NETWORK.nodeAddress}`);

  const sorted = [...services].sort((a, b) => serviceKey(a).localeCompare(serviceKey(b)));
  for (const service of sorted) {
    const clusterIp = service.spec.clusterIP;
    if (!clusterIp || clusterIp === 'None') continue;
    const ownSlices = slices.filter((slice) => slice.addressType === 'IPv4'
      && slice.metadata.namespace === service.metadata.namespace
      && slice.metadata.labels?.['kubernetes.io/service-name'] === service.metadata.name);
    for (const port of service.spec.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP').toLowerCase();
      const endpoints = readyEndpoints(ownSlices, port.name ?? '', port.protocol ?? 'TCP');
      const destinations = [`-d ${clusterIp}/32 -p ${protocol} --dport ${port.port}`,
        ...(port.nodePort ? [`-d ${TEST_NETWORK.nodeAddress}/32 -p ${protocol} --dport ${port.nodePort}`] : [])];
      const comment = `-m comment --comment "${serviceKey(service)}:${port.name ?? port.port}"`;
      if (endpoints.length === 0) {
        for (const destination of destinations) rejects.push(`-A ${REJECT_CHAIN} ${destination} ${comment} -j REJECT${protocol === 'tcp' ? ' --reject-with tcp-reset' : ''}`);
        continue;
      }
      const serviceChain = chainName('SVC', `${serviceKey(service)}:${port.name ?? port.port}/${protocol}`);
      natChains.add(serviceChain);
      for (const destination of destinations) nat.push(`-A ${SERVICES_CHAIN} ${destination} ${comment} -j ${serviceChain}`);
      endpoints.forEach((endpoint, index) => {
        const endpointChain = chainName('SEP', `${serviceKey(service)}:${port.name ?? port.port}/${protocol}/${endpoint}`);
        natChains.add(endpointChain);
        const left = endpoints.length - index;
        const choose = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
        nat.push(`-A ${serviceChain}${choose} -j ${endpointChain}`);
        const address = endpoint.split(':')[0];
        nat.push(`-A ${endpointChain} -s ${address}/32 -j MARK --set-xmark ${HAIRPIN_MARK}`);
        nat.push(`-A ${endpointChain} -p ${protocol} -j DNAT --to-destination ${endpoint}`);
      });
    }
  }
  const stale = existingChains.filter((chain) => chain.startsWith(CHAIN_PREFIX) && !natChains.has(chain) && chain !== REJECT_CHAIN);
  return [
    '*nat',
    ...[...natChains, ...stale].map((chain) => `:${chain} - [0:0]`),
    ...nat,
    ...stale.map((chain) => `-X ${chain}`),
    'COMMIT',
    '*filter',
    `:${REJECT_CHAIN} - [0:0]`,
    ...rejects,
    'COMMIT',
    '',
  ].join('\n');
}

/** `address:port` of every ready endpoint serving the Service port, sorted. */
function readyEndpoints(slices: readonly EndpointSlice[], portName: string, protocol: string): string[] {
  const endpoints = new Set<string>();
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((candidate) => (candidate.name ?? '') === portName && (candidate.protocol ?? 'TCP') === protocol);
    if (!port?.port) continue;
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      endpoints.add(`${endpoint.addresses[0]}:${port.port}`);
    }
  }
  return [...endpoints].sort();
}

function serviceKey(service: Service): string {
  return `${service.metadata.namespace}/${service.metadata.name}`;
}

/** Chain names are limited to 28 characters: a prefix and a hash. */
function chainName(kind: 'SVC' | 'SEP', key: string): string {
  return `${CHAIN_PREFIX}${kind}-${createHash('sha256').update(key).digest('hex').slice(0, 16).toUpperCase()}`;
}

export class ServiceProxy {
  private running: Promise<void> = Promise.resolve();
  private queued = false;
  private lastRules = '';

  constructor(
    private readonly services: () => Service[],
    private readonly slices: () => EndpointSlice[],
    private readonly log: (message: string) => void,
  ) {}

  /** Creates the chains and hooks them into PREROUTING, OUTPUT, POSTROUTING and FORWARD. */
  async start(): Promise<void> {
    await this.apply();
    for (const hook of HOOKS) {
      const [, table, chain, ...rule] = hook;
      const present = await runCommand('iptables', ['-t', table, '-C', chain, ...rule]);
      if (present.code !== 0) await runChecked('iptables', ['-t', table, '-I', chain, '1', ...rule]);
    }
  }

  /** Rewrites the rules from the current Services and EndpointSlices (serialized, coalesced). */
  sync(): void {
    if (this.queued) return;
    this.queued = true;
    this.running = this.running.then(async () => {
      this.queued = false;
      await this.apply().catch((error: Error) => this.log(`service proxy: ${error.message}`));
    });
  }

  /** Waits for pending rule updates. */
  async flush(): Promise<void> {
    await this.running;
  }

  /** Removes every hook and chain of the proxy. */
  async stop(): Promise<void> {
    await this.running;
    for (const hook of HOOKS) {
      const [, table, chain, ...rule] = hook;
      await runCommand('iptables', ['-t', table, '-D', chain, ...rule]);
    }
    const chains = await this.existingChains();
    const input = ['*nat', ...chains.nat.map((chain) => `:${chain} - [0:0]`), ...chains.nat.map((chain) => `-X ${chain}`), 'COMMIT',
      '*filter', ...chains.filter.map((chain) => `:${chain} - [0:0]`), ...chains.filter.map((chain) => `-X ${chain}`), 'COMMIT', ''].join('\n');
    await runChecked('iptables-restore', ['--noflush'], { input });
  }

  private async apply(): Promise<void> {
    const chains = await this.existingChains();
    const rules = renderServiceRules(this.services(), this.slices(), chains.nat);
    if (rules === this.lastRules) return;
    await runChecked('iptables-restore', ['--noflush'], { input: rules });
    this.lastRules = rules;
  }

  private async existingChains(): Promise<{ nat: string[]; filter: string[] }> {
    const list = async (table: string) => (await runChecked('iptables-save', ['-t', table])).split('\n')
      .filter((line) => line.startsWith(`:${CHAIN_PREFIX}`)).map((line) => line.slice(1).split(' ')[0]);
    return { nat: await list('nat'), filter: await list('filter') };
  }
}
