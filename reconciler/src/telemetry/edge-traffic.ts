/**
 * The traffic of one edge over one window, as the graph and a rollout controller read it: the
 * summed per-second rates of every series of the edge (one per reporting proxy), turned into
 * request rates by class, error ratios, latency quantiles from the merged buckets, TCP throughput,
 * the share of mutual TLS, and the resilience events (overflows, ejections, retries, faults).
 */
import { histogramPercentiles } from './histogram';
import type { RequestProtocol, ServiceRef, TrafficDestination } from './traffic-destination';
import { FIELD } from './traffic-fields';
import type { SourcePeer } from './traffic-series';
import { UNKNOWN } from './workload-peer';

export interface EdgeEndpoint {
  readonly namespace: string;
  readonly workload: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
}

export interface EdgeTraffic {
  /** `outbound`: reported by the callers' proxies; `inbound`: by the destination's own proxy, caller unknown. */
  readonly direction: 'outbound' | 'inbound';
  /** The calling workload; unknown for inbound edges. */
  readonly source: EdgeEndpoint;
  readonly destination: {
    readonly service?: ServiceRef;
    /** The subset the callers routed to, when they routed to one. */
    readonly subset?: string;
    readonly version: string;
    /** The destination workload, when the edge reaches exactly one. */
    readonly workload?: string;
    readonly external: boolean;
  };
  readonly protocol: RequestProtocol;
  readonly windowSeconds: number;
  /** Proxies whose reports make up the edge. */
  readonly reporters: number;
  readonly requestsPerSecond: number;
  readonly responsesPerSecond: { readonly '2xx': number; readonly '3xx': number; readonly '4xx': number; readonly '5xx': number };
  /** 5xx responses over all responses (undefined without requests). */
  readonly errorRatio?: number;
  /** gRPC calls with a status other than OK over gRPC calls, when the edge carried gRPC. */
  readonly grpcErrorRatio?: number;
  /** Milliseconds, from the merged latency buckets; undefined without latency samples. */
  readonly latencyMs?: { readonly p50: number; readonly p95: number; readonly p99: number; readonly mean: number };
  readonly tcp: {
    readonly sentBytesPerSecond: number;
    readonly receivedBytesPerSecond: number;
    readonly connectionsOpenedPerSecond: number;
    readonly connectionsClosedPerSecond: number;
  };
  /** Share (0–1) of requests (HTTP) or connections (TCP, inbound) over mutual TLS; undefined when unknown. */
  readonly mtlsShare?: number;
  /** Per second: requests shed by the circuit breaker, hosts ejected, retries, injected aborts and delays. */
  readonly resilience: {
    readonly circuitBreakerOverflowsPerSecond: number;
    readonly outlierEjectionsPerSecond: number;
    readonly retriesPerSecond: number;
    readonly faultAbortsPerSecond: number;
    readonly faultDelaysPerSecond: number;
    /** Hosts ejected right now, summed over the reporting proxies' views. */
    readonly ejectedHosts: number;
  };
}

/** Identifies an edge: source workload → destination service, subset and version, direction and protocol. */
export function edgeKey(source: SourcePeer | undefined, destination: TrafficDestination, protocol: RequestProtocol): string {
  const from = source && destination.direction === 'outbound' ? `${source.namespace}/${source.workload}` : UNKNOWN;
  const to = `${destination.service?.host ?? destination.cluster}|${destination.subset ?? ''}|${destination.version}|${destination.workload?.workload ?? ''}`;
  return `${destination.direction}|${from}|${to}|${protocol}`;
}

export interface EdgeAccumulator {
  readonly source?: SourcePeer;
  readonly destination: TrafficDestination;
  readonly protocol: RequestProtocol;
  /** Where the edge's summed per-second rates begin in the array its query sums edges in. */
  readonly offset: number;
  reporters: number;
  ejectedHosts: number;
  /** Series of the edge whose connections are known to be mutual TLS, and known to be plaintext. */
  mtlsSeries: number;
  plaintextSeries: number;
}

/** The edge's traffic from its accumulated facts and its rates at `edge.offset` in `sums`. */
export function edgeTraffic(edge: EdgeAccumulator, sums: Float64Array, windowSeconds: number): EdgeTraffic {
  const at = edge.offset;
  const requests = sums[at + FIELD.requests];
  const grpcCalls = sums[at + FIELD.grpcCalls];
  const latencyCount = sums[at + FIELD.latencyCount];
  const percentiles = histogramPercentiles(sums, at + FIELD.latencyBuckets);
  const inbound = edge.destination.direction === 'inbound';
  return {
    direction: edge.destination.direction,
    source: edge.source && !inbound ? sourceEndpoint(edge.source) : UNKNOWN_ENDPOINT,
    destination: destinationOf(edge.destination),
    protocol: edge.protocol,
    windowSeconds,
    reporters: edge.reporters,
    requestsPerSecond: requests,
    responsesPerSecond: {
      '2xx': sums[at + FIELD.responses2xx], '3xx': sums[at + FIELD.responses3xx], '4xx': sums[at + FIELD.responses4xx], '5xx': sums[at + FIELD.responses5xx],
    },
    errorRatio: requests > 0 ? sums[at + FIELD.responses5xx] / requests : undefined,
    grpcErrorRatio: grpcCalls > 0 ? sums[at + FIELD.grpcErrors] / grpcCalls : undefined,
    latencyMs: percentiles === undefined ? undefined : {
      p50: percentiles.p50,
      p95: percentiles.p95,
      p99: percentiles.p99,
      mean: latencyCount > 0 ? sums[at + FIELD.latencySum] / latencyCount : 0,
    },
    tcp: {
      sentBytesPerSecond: sums[at + FIELD.sentBytes],
      receivedBytesPerSecond: sums[at + FIELD.receivedBytes],
      connectionsOpenedPerSecond: sums[at + FIELD.connectionsOpened],
      connectionsClosedPerSecond: sums[at + FIELD.connectionsClosed],
    },
    mtlsShare: mtlsShare(edge, sums, inbound),
    resilience: {
      circuitBreakerOverflowsPerSecond: sums[at + FIELD.overflows],
      outlierEjectionsPerSecond: sums[at + FIELD.ejections],
      retriesPerSecond: sums[at + FIELD.retries],
      faultAbortsPerSecond: sums[at + FIELD.faultAborts],
      faultDelaysPerSecond: sums[at + FIELD.faultDelays],
      ejectedHosts: edge.ejectedHosts,
    },
  };
}

const UNKNOWN_ENDPOINT: EdgeEndpoint = Object.freeze({
  namespace: UNKNOWN, workload: UNKNOWN, app: UNKNOWN, version: UNKNOWN, canonicalService: UNKNOWN, canonicalRevision: UNKNOWN,
});

/**
 * The endpoint and destination parts of an edge depend only on the series' source and destination,
 * which live as long as the series: made once each and shared (frozen) by every query's edges.
 */
const endpointBySource = new WeakMap<SourcePeer, EdgeEndpoint>();
const destinationByResolved = new WeakMap<TrafficDestination, EdgeTraffic['destination']>();

function sourceEndpoint(source: SourcePeer): EdgeEndpoint {
  let endpoint = endpointBySource.get(source);
  if (!endpoint) {
    endpoint = Object.freeze({
      namespace: source.namespace, workload: source.workload, app: source.app, version: source.version,
      canonicalService: source.canonicalService, canonicalRevision: source.canonicalRevision,
    });
    endpointBySource.set(source, endpoint);
  }
  return endpoint;
}

function destinationOf(destination: TrafficDestination): EdgeTraffic['destination'] {
  let found = destinationByResolved.get(destination);
  if (!found) {
    found = Object.freeze({
      service: destination.service,
      subset: destination.subset,
      version: destination.version,
      workload: destination.workload?.workload,
      external: destination.external,
    });
    destinationByResolved.set(destination, found);
  }
  return found;
}

/**
 * Inbound: TLS connections over connections accepted in the window. Outbound HTTP: requests sent
 * over mutual TLS over requests. Outbound TCP: TLS handshakes over connections opened. Without
 * new traffic of that kind in the window, the share of series whose last connections were TLS.
 */
function mtlsShare(edge: EdgeAccumulator, sums: Float64Array, inbound: boolean): number | undefined {
  const at = edge.offset;
  const partField = inbound ? FIELD.downstreamTlsConnections : edge.protocol === 'tcp' ? FIELD.tlsConnections : FIELD.mtlsRequests;
  const wholeField = inbound ? FIELD.downstreamConnections : edge.protocol === 'tcp' ? FIELD.connectionsOpened : FIELD.requests;
  const part = sums[at + partField];
  const whole = sums[at + wholeField];
  if (whole > 0) return Math.min(1, part / whole);
  const known = edge.mtlsSeries + edge.plaintextSeries;
  return known > 0 ? edge.mtlsSeries / known : undefined;
}
