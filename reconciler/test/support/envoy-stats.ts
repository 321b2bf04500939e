/**
 * Stats flushes as Envoy's metrics service sink sends them (full names, counters as deltas,
 * histograms as the interval's samples), built from what a test says happened during one interval.
 */
import { HISTOGRAM_BOUNDS } from '../../src/telemetry/histogram';
import type { EnvoyMetric, HistogramSample } from '../../src/telemetry/metrics-wire';

export interface ClusterTraffic {
  readonly responses?: Readonly<Record<number, number>>;
  /** Upstream latencies of the interval, one per request that reached the cluster. */
  readonly latenciesMs?: readonly number[];
  readonly requestBodyBytes?: readonly number[];
  readonly connectionsOpened?: number;
  readonly connectionsClosed?: number;
  readonly tlsHandshakes?: number;
  readonly sentBytes?: number;
  readonly receivedBytes?: number;
  readonly overflows?: number;
  readonly retries?: number;
  readonly ejections?: number;
  readonly ejectionsActive?: number;
  readonly grpcStatuses?: Readonly<Record<number, number>>;
}

/** A histogram sample on `bounds` (Envoy's defaults unless given) from raw values. */
export function histogramOf(values: readonly number[], bounds: readonly number[] = HISTOGRAM_BOUNDS): HistogramSample {
  return {
    count: values.length,
    sum: values.reduce((sum, value) => sum + value, 0),
    upperBounds: bounds,
    cumulativeCounts: bounds.map((bound) => values.filter((value) => value <= bound).length),
  };
}

const counter = (name: string, value: number): EnvoyMetric => ({ name, kind: 'counter', value });

/** The cluster's stats for one interval; stats the traffic does not touch are sent as zero, as Envoy does. */
export function clusterStats(cluster: string, traffic: ClusterTraffic): EnvoyMetric[] {
  const prefix = `cluster.${cluster}.`;
  const metrics: EnvoyMetric[] = [
    counter(`${prefix}upstream_cx_total`, traffic.connectionsOpened ?? 0),
    counter(`${prefix}upstream_cx_destroy`, traffic.connectionsClosed ?? 0),
    counter(`${prefix}upstream_cx_tx_bytes_total`, traffic.sentBytes ?? 0),
    counter(`${prefix}upstream_cx_rx_bytes_total`, traffic.receivedBytes ?? 0),
    counter(`${prefix}upstream_rq_pending_overflow`, traffic.overflows ?? 0),
    counter(`${prefix}upstream_rq_retry`, traffic.retries ?? 0),
    counter(`${prefix}outlier_detection.ejections_enforced_total`, traffic.ejections ?? 0),
    { name: `${prefix}outlier_detection.ejections_active`, kind: 'gauge', value: traffic.ejectionsActive ?? 0 },
    { name: `${prefix}upstream_rq_time`, kind: 'histogram', value: 0, histogram: histogramOf(traffic.latenciesMs ?? []) },
  ];
  let total = 0;
  for (const [code, count] of Object.entries(traffic.responses ?? {})) {
    metrics.push(counter(`${prefix}upstream_rq_${code}`, count));
    // Envoy also sends the class and sub-scope variants; the telemetry must not count them again.
    metrics.push(counter(`${prefix}upstream_rq_${code[0]}xx`, count));
    metrics.push(counter(`${prefix}external.upstream_rq_${code}`, count));
    total += count;
  }
  metrics.push(counter(`${prefix}upstream_rq_total`, total));
  if (traffic.tlsHandshakes !== undefined) metrics.push(counter(`${prefix}ssl.handshake`, traffic.tlsHandshakes));
  if (traffic.requestBodyBytes) metrics.push({ name: `${prefix}upstream_rq_body_size`, kind: 'histogram', value: 0, histogram: histogramOf(traffic.requestBodyBytes) });
  for (const [status, count] of Object.entries(traffic.grpcStatuses ?? {})) metrics.push(counter(`${prefix}grpc.${status}`, count));
  return metrics;
}

/** A connection manager's fault and TLS counters for one interval. */
export function connectionManagerStats(statPrefix: string, stats: { faultAborts?: number; faultDelays?: number; connections?: number; tlsConnections?: number }): EnvoyMetric[] {
  const prefix = `http.${statPrefix}.`;
  return [
    counter(`${prefix}fault.aborts_injected`, stats.faultAborts ?? 0),
    counter(`${prefix}fault.delays_injected`, stats.faultDelays ?? 0),
    counter(`${prefix}downstream_cx_total`, stats.connections ?? 0),
    counter(`${prefix}downstream_cx_ssl_total`, stats.tlsConnections ?? 0),
    counter(`${prefix}downstream_rq_total`, 0),
  ];
}

export const uptime = (seconds: number): EnvoyMetric => ({ name: 'server.uptime', kind: 'gauge', value: seconds });

/** `count` latencies spread evenly over [low, high]. */
export function evenLatencies(count: number, low: number, high: number): number[] {
  return Array.from({ length: count }, (_, index) => low + ((high - low) * (index + 0.5)) / count);
}
