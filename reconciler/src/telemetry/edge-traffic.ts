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
  readonly rates: Float64Array;
  reporters: number;
  ejectedHosts: number;
  /** Series of the edge whose connections are known to be mutual TLS, and known to be plaintext. */
  mtlsSeries: number;
  plaintextSeries: number;
}

export function edgeTraffic(edge: EdgeAccumulator, windowSeconds: number): EdgeTraffic {
  const rates = edge.rates;
  const requests = rates[FIELD.requests];
  const grpcCalls = rates[FIELD.grpcCalls];
  const latencyCount = rates[FIELD.latencyCount];
  const percentiles = histogramPercentiles(rates, FIELD.latencyBuckets);
  const inbound = edge.destination.direction === 'inbound';
  const source = edge.source && !inbound ? edge.source : undefined;
  return {
    direction: edge.destination.direction,
    source: {
      namespace: source?.namespace ?? UNKNOWN,
      workload: source?.workload ?? UNKNOWN,
      app: source?.app ?? UNKNOWN,
      version: source?.version ?? UNKNOWN,
      canonicalService: source?.canonicalService ?? UNKNOWN,
      canonicalRevision: source?.canonicalRevision ?? UNKNOWN,
    },
    destination: {
      service: edge.destination.service,
      subset: edge.destination.subset,
      version: edge.destination.version,
      workload: edge.destination.workload?.workload,
      external: edge.destination.external,
    },
    protocol: edge.protocol,
    windowSeconds,
    reporters: edge.reporters,
    requestsPerSecond: requests,
    responsesPerSecond: {
      '2xx': rates[FIELD.responses2xx], '3xx': rates[FIELD.responses3xx], '4xx': rates[FIELD.responses4xx], '5xx': rates[FIELD.responses5xx],
    },
    errorRatio: requests > 0 ? rates[FIELD.responses5xx] / requests : undefined,
    grpcErrorRatio: grpcCalls > 0 ? rates[FIELD.grpcErrors] / grpcCalls : undefined,
    latencyMs: percentiles === undefined ? undefined : {
      ...percentiles,
      mean: latencyCount > 0 ? rates[FIELD.latencySum] / latencyCount : 0,
    },
    tcp: {
      sentBytesPerSecond: rates[FIELD.sentBytes],
      receivedBytesPerSecond: rates[FIELD.receivedBytes],
      connectionsOpenedPerSecond: rates[FIELD.connectionsOpened],
      connectionsClosedPerSecond: rates[FIELD.connectionsClosed],
    },
    mtlsShare: mtlsShare(edge, inbound),
    resilience: {
      circuitBreakerOverflowsPerSecond: rates[FIELD.overflows],
      outlierEjectionsPerSecond: rates[FIELD.ejections],
      retriesPerSecond: rates[FIELD.retries],
      faultAbortsPerSecond: rates[FIELD.faultAborts],
      faultDelaysPerSecond: rates[FIELD.faultDelays],
      ejectedHosts: edge.ejectedHosts,
    },
  };
}

/**
 * Inbound: TLS connections over connections accepted in the window. Outbound HTTP: requests sent
 * over mutual TLS over requests. Outbound TCP: TLS handshakes over connections opened. Without
 * new traffic of that kind in the window, the share of series whose last connections were TLS.
 */
function mtlsShare(edge: EdgeAccumulator, inbound: boolean): number | undefined {
  const rates = edge.rates;
  const [part, whole] = inbound ? [rates[FIELD.downstreamTlsConnections], rates[FIELD.downstreamConnections]]
    : edge.protocol === 'tcp' ? [rates[FIELD.tlsConnections], rates[FIELD.connectionsOpened]]
      : [rates[FIELD.mtlsRequests], rates[FIELD.requests]];
  if (whole > 0) return Math.min(1, part / whole);
  const known = edge.mtlsSeries + edge.plaintextSeries;
  return known > 0 ? edge.mtlsSeries / known : undefined;
}
