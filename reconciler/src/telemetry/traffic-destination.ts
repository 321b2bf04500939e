/**
 * What a cluster name says about where traffic went, completed from the registry: the service
 * behind `outbound|<port>|<subset>|<host>`, its port's protocol, the subset's version, and the one
 * workload behind it when there is exactly one. Envoy's cluster stats know the subset a request
 * was routed to, not the endpoint it reached, so a route to the whole service of several versions
 * has no destination workload or version; `inbound|<port>||` is the reporting proxy itself.
 */
import type { ProxyIdentity } from '../push/contract';
import { labelsMatch } from '../push/label-selector';
import type { PushContext } from '../push/push-context';
import type { MeshService, ServicePort } from '../push/service-model';
import { BLACKHOLE_CLUSTER, parseClusterName, PASSTHROUGH_CLUSTER } from '../xds/naming';
import { peerOfInstance, peerOfProxy, UNKNOWN, WorkloadPeer } from './workload-peer';

export type RequestProtocol = 'http' | 'grpc' | 'tcp';

export interface ServiceRef {
  /** The host (FQDN for Kubernetes services), Istio's `destination_service`. */
  readonly host: string;
  readonly name: string;
  readonly namespace: string;
}

export interface TrafficDestination {
  readonly cluster: string;
  /** Outbound: traffic a proxy sent; inbound: traffic a proxy received for its own workload. */
  readonly direction: 'outbound' | 'inbound';
  readonly port?: number;
  /** Undefined when the registry does not know the host (or for passthrough traffic). */
  readonly service?: ServiceRef;
  readonly subset?: string;
  readonly protocol: RequestProtocol;
  /** Every workload the cluster can reach (none for external or unknown hosts). */
  readonly workloads: readonly WorkloadPeer[];
  /** The one workload the cluster reaches, when exactly one. */
  readonly workload?: WorkloadPeer;
  /** The subset's `version` label, else the version all reachable workloads share, else unknown. */
  readonly version: string;
  /** A ServiceEntry outside the mesh, or passthrough traffic. */
  readonly external: boolean;
}

/**
 * Resolves cluster names against the current registry. Results are cached per PushContext (a new
 * config brings a new one), keyed by the cluster and what decides which DestinationRule applies
 * to the source: its namespace and the labels routing selectors read.
 */
export class TrafficDestinations {
  private readonly cache = new WeakMap<PushContext, Map<string, TrafficDestination | null>>();

  constructor(private readonly currentPush: () => PushContext | undefined) {}

  /** Changes whenever resolutions may change (a new config): what a caller may cache against. */
  get generation(): object | undefined {
    return this.currentPush();
  }

  /** Undefined for clusters that are not traffic (the xDS and stats clusters of the bootstrap). */
  resolve(cluster: string, source: ProxyIdentity): TrafficDestination | undefined {
    const push = this.currentPush();
    if (!push) return resolveCluster(cluster, source, undefined);
    let perPush = this.cache.get(push);
    if (!perPush) {
      perPush = new Map();
      this.cache.set(push, perPush);
    }
    const routingLabels = push.routingLabelKeys.map((key) => source.labels[key] ?? '').join('\u0001');
    // An inbound cluster is the proxy's own workload.
    const who = cluster.startsWith('inbound|') ? source.id : `${source.namespace}\u0000${routingLabels}`;
    const key = `${who}\u0000${cluster}`;
    let found = perPush.get(key);
    if (found === undefined) {
      found = resolveCluster(cluster, source, push) ?? null;
      perPush.set(key, found);
    }
    return found ?? undefined;
  }
}

function resolveCluster(cluster: string, source: ProxyIdentity, push: PushContext | undefined): TrafficDestination | undefined {
  if (cluster === PASSTHROUGH_CLUSTER || cluster === BLACKHOLE_CLUSTER) {
    return { cluster, direction: 'outbound', protocol: 'tcp', workloads: [], version: UNKNOWN, external: true };
  }
  const parsed = parseClusterName(cluster);
  if (!parsed) return undefined;
  if (parsed.direction === 'inbound') return inboundDestination(cluster, parsed.port, source, push);
  const service = push?.serviceByHost(parsed.hostname);
  const port = service?.ports.find((candidate) => candidate.number === parsed.port);
  const base = {
    cluster, direction: 'outbound' as const, port: parsed.port, subset: parsed.subset,
    protocol: protocolOf(port), external: service?.external ?? false,
  };
  if (!push || !service) {
    return { ...base, service: { host: parsed.hostname, name: parsed.hostname, namespace: UNKNOWN }, workloads: [], version: UNKNOWN };
  }
  const ref = serviceRef(service);
  const subsetLabels = parsed.subset === undefined ? undefined
    : push.destinationRuleFor(service.hostname, source)?.spec.subsets?.find((subset) => subset.name === parsed.subset)?.labels;
  if (parsed.subset !== undefined && !subsetLabels) return { ...base, service: ref, workloads: [], version: UNKNOWN };
  const peers = port && !service.external ? push.endpointsFor(service, port, subsetLabels).map((endpoint) => peerOfInstance(endpoint.instance)) : [];
  const workloads = uniqueBy(peers, (peer) => `${peer.namespace}/${peer.workload}`);
  const versions = new Set(peers.map((peer) => peer.version));
  return {
    ...base,
    service: ref,
    workloads,
    ...(workloads.length === 1 ? { workload: workloads[0] } : {}),
    version: subsetLabels?.version ?? (versions.size === 1 ? [...versions][0] : UNKNOWN),
  };
}

/** The reporting proxy's own workload, and the service of its namespace that selects it on that port. */
function inboundDestination(cluster: string, portNumber: number, proxy: ProxyIdentity, push: PushContext | undefined): TrafficDestination {
  const peer = peerOfProxy(proxy);
  const service = push?.servicesInNamespace(proxy.namespace).find((candidate) => candidate.kind === 'Service'
    && !!candidate.selector && Object.keys(candidate.selector).length > 0 && labelsMatch(candidate.selector, proxy.labels)
    && candidate.ports.some((port) => (port.targetPort ?? port.number) === portNumber || port.number === portNumber));
  const port = service?.ports.find((candidate) => (candidate.targetPort ?? candidate.number) === portNumber) ?? service?.ports.find((candidate) => candidate.number === portNumber);
  return {
    cluster, direction: 'inbound', port: portNumber, protocol: protocolOf(port), workloads: [peer], workload: peer, version: peer.version, external: false,
    ...(service ? { service: serviceRef(service) } : {}),
  };
}

function serviceRef(service: MeshService): ServiceRef {
  return { host: service.hostname, name: service.kind === 'Service' ? service.name : service.hostname, namespace: service.namespace };
}

/** HTTP ports named `grpc…` carry gRPC (Istio's port naming); the proxy's gRPC stats also tell. */
function protocolOf(port: ServicePort | undefined): RequestProtocol {
  if (!port) return 'http';
  if (port.protocol === 'TCP') return 'tcp';
  return /^grpc/i.test(port.name) ? 'grpc' : 'http';
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
