/**
 * One stats flush of one proxy, reduced to what the telemetry keeps: per upstream cluster and per
 * connection manager, what happened since the previous flush. The bootstrap has Envoy send
 * counters as deltas and histograms as the interval's samples, so a flush adds up as it is; an
 * Envoy that restarts simply starts again from small deltas.
 */
import type { EnvoyMetric, FamilyFilter, HistogramSample } from './metrics-wire';
import { AuthorizationStat, ClusterStat, isSubScopeCopy, ListenerStat, mayBeReadStat, parseStatNameShared, StatRef } from './stat-names';

/**
 * Parsed stat names, shared by every stream: the clusters of popular services appear in many
 * proxies' stats. Bounded: past the limit it starts over (names are re-parsed, not lost).
 */
export class StatNameCache {
  private readonly parsed = new Map<string, StatRef | null>();

  constructor(private readonly limit = 200_000) {}

  get(name: string): StatRef | null {
    let ref = this.parsed.get(name);
    if (ref === undefined) {
      if (this.parsed.size >= this.limit) this.parsed.clear();
      ref = parseStatNameShared(name) ?? null;
      this.parsed.set(name, ref);
    }
    return ref;
  }
}

/** What one upstream cluster did during one flush interval. */
export interface ClusterFlush {
  readonly cluster: string;
  /** Requests by HTTP status code (local replies such as circuit-breaker 503s included). */
  readonly responses: Map<number, number>;
  /** gRPC calls by status, when the gRPC stats filter saw gRPC traffic. */
  readonly grpcStatuses: Map<number, number>;
  latency?: HistogramSample;
  requestBody?: HistogramSample;
  responseBody?: HistogramSample;
  connectionsOpened: number;
  connectionsClosed: number;
  sentBytes: number;
  receivedBytes: number;
  overflows: number;
  retries: number;
  ejections: number;
  /** Hosts ejected at the end of the interval (a gauge). */
  ejectionsActive?: number;
  tlsHandshakes: number;
  grpcRequestMessages: number;
  grpcResponseMessages: number;
}

/** What one HTTP connection manager (by stat prefix) did during one flush interval. */
export interface ListenerFlush {
  readonly statPrefix: string;
  faultAborts: number;
  faultDelays: number;
  connections: number;
  tlsConnections: number;
  /** The RBAC filters' decisions with counts above zero; undefined when there were none. */
  authorization?: AuthorizationFlush[];
}

/** One RBAC counter's delta for the interval. */
export interface AuthorizationFlush {
  readonly stat: AuthorizationStat;
  readonly count: number;
}

export interface ProxyFlush {
  /** Envoy's `server.uptime` in seconds, when sent. */
  uptimeSeconds?: number;
  readonly clusters: Map<string, ClusterFlush>;
  readonly listeners: Map<string, ListenerFlush>;
  /** Metrics that arrived with labels (tags extracted), which this reader cannot attribute. */
  labelledMetrics: number;
}

/**
 * Reads flushes of one stream. Names repeat every flush, so each name the telemetry reads is
 * parsed once (in the shared cache); `filter` is what the wire decoder asks before decoding a family.
 */
export class ProxyFlushReader {
  constructor(private readonly names: StatNameCache, private readonly isCluster?: (cluster: string) => boolean) {}

  /** The families to decode: only stats this reader reads. */
  readonly filter: FamilyFilter = { bytes: mayBeReadStat, name: (name) => this.ref(name) !== null };

  read(metrics: readonly EnvoyMetric[]): ProxyFlush {
    const flush: ProxyFlush = { clusters: new Map(), listeners: new Map(), labelledMetrics: 0 };
    for (const metric of metrics) {
      if (metric.labelled) {
        flush.labelledMetrics += 1;
        continue;
      }
      const ref = this.ref(metric.name);
      if (!ref) continue;
      if (ref.scope === 'uptime') flush.uptimeSeconds = metric.value;
      else if (ref.scope === 'cluster') addClusterStat(clusterOf(flush, ref.cluster), ref.stat, metric);
      else addListenerStat(listenerOf(flush, ref.statPrefix), ref.stat, metric.value);
    }
    return flush;
  }

  private ref(name: string): StatRef | null {
    const ref = this.names.get(name);
    // Envoy repeats cluster stats under sub-scopes; only this proxy's clusters tell a copy from a cluster.
    return ref && isSubScopeCopy(ref) && !this.isCluster?.(ref.cluster) ? null : ref;
  }

}

function clusterOf(flush: ProxyFlush, cluster: string): ClusterFlush {
  let entry = flush.clusters.get(cluster);
  if (!entry) {
    entry = {
      cluster, responses: new Map(), grpcStatuses: new Map(), connectionsOpened: 0, connectionsClosed: 0, sentBytes: 0, receivedBytes: 0,
      overflows: 0, retries: 0, ejections: 0, tlsHandshakes: 0, grpcRequestMessages: 0, grpcResponseMessages: 0,
    };
    flush.clusters.set(cluster, entry);
  }
  return entry;
}

function listenerOf(flush: ProxyFlush, statPrefix: string): ListenerFlush {
  let entry = flush.listeners.get(statPrefix);
  if (!entry) {
    entry = { statPrefix, faultAborts: 0, faultDelays: 0, connections: 0, tlsConnections: 0 };
    flush.listeners.set(statPrefix, entry);
  }
  return entry;
}

function addClusterStat(entry: ClusterFlush, stat: ClusterStat, metric: EnvoyMetric): void {
  const value = metric.value;
  switch (stat.kind) {
    case 'responses': if (value > 0) entry.responses.set(stat.code, (entry.responses.get(stat.code) ?? 0) + value); return;
    case 'grpc-status': if (value > 0) entry.grpcStatuses.set(stat.status, (entry.grpcStatuses.get(stat.status) ?? 0) + value); return;
    case 'latency': entry.latency = metric.histogram; return;
    case 'request-body': entry.requestBody = metric.histogram; return;
    case 'response-body': entry.responseBody = metric.histogram; return;
    case 'connections-opened': entry.connectionsOpened += value; return;
    case 'connections-closed': entry.connectionsClosed += value; return;
    case 'sent-bytes': entry.sentBytes += value; return;
    case 'received-bytes': entry.receivedBytes += value; return;
    case 'overflows': entry.overflows += value; return;
    case 'retries': entry.retries += value; return;
    case 'ejections': entry.ejections += value; return;
    case 'ejections-active': entry.ejectionsActive = value; return;
    case 'tls-handshakes': entry.tlsHandshakes += value; return;
    case 'grpc-request-messages': entry.grpcRequestMessages += value; return;
    case 'grpc-response-messages': entry.grpcResponseMessages += value; return;
  }
}

function addListenerStat(entry: ListenerFlush, stat: ListenerStat, value: number): void {
  switch (stat.kind) {
    case 'fault-aborts': entry.faultAborts += value; return;
    case 'fault-delays': entry.faultDelays += value; return;
    case 'connections': entry.connections += value; return;
    case 'tls-connections': entry.tlsConnections += value; return;
    case 'authorization': if (value > 0) (entry.authorization ??= []).push({ stat, count: value }); return;
  }
}
