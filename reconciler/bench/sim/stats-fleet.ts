/**
 * Simulated sidecars streaming their stats as Envoy's metrics service sink does: one stream per
 * proxy (node on the first message), a flush every interval, phases spread over the interval. A
 * flush holds what a busy sidecar sends: a few dozen stats for each upstream cluster it calls
 * (requests by code, connections, bytes, resilience counters, six histograms) and the server,
 * listener and connection manager stats around them. Flushes are encoded once per proxy: only the
 * reconciler's work is measured.
 */
import * as grpc from '@grpc/grpc-js';
import type { EnvoyMetric } from '../../src/telemetry/metrics-wire';
import { encodeStreamMetricsMessage } from '../../src/telemetry/metrics-wire';
import { HISTOGRAM_BOUNDS } from '../../src/telemetry/histogram';
import { outboundClusterName } from '../../src/xds/naming';
import { BenchWorkload, MeshScale, namespaceOf, SERVICE_PORT, serviceName } from '../mesh-config';
import { sidecarNode } from './proxy-fleet';

const STREAM_METRICS = '/envoy.service.metrics.v3.MetricsService/StreamMetrics';

export interface StatsFleetOptions {
  readonly target: string;
  readonly intervalMs: number;
  /** Upstream clusters each proxy calls (the next services, v1 and v2 subsets alternating). */
  readonly clustersPerProxy: number;
  /** Streams share this many gRPC channels, as many sidecars share a node's network. */
  readonly channels: number;
}

const counter = (name: string, value: number): EnvoyMetric => ({ name, kind: 'counter', value });
const gauge = (name: string, value: number): EnvoyMetric => ({ name, kind: 'gauge', value });

/** Per-bucket counts → the cumulative form Envoy sends. */
function histogram(name: string, perBucket: readonly number[]): EnvoyMetric {
  const cumulativeCounts: number[] = [];
  let running = 0;
  for (let index = 0; index < HISTOGRAM_BOUNDS.length; index += 1) {
    running += perBucket[index] ?? 0;
    cumulativeCounts.push(running);
  }
  return { name, kind: 'histogram', value: 0, histogram: { count: running, sum: running * 12, upperBounds: HISTOGRAM_BOUNDS, cumulativeCounts } };
}

/** One cluster's stats for an interval with `requests` requests. */
function clusterFlush(cluster: string, requests: number): EnvoyMetric[] {
  const prefix = `cluster.${cluster}.`;
  const errors = Math.floor(requests / 50);
  const latency = [0, 0, requests / 4, requests / 4, requests / 4, requests / 8, requests / 8 - errors, errors];
  return [
    counter(`${prefix}upstream_rq_200`, requests - errors), counter(`${prefix}upstream_rq_2xx`, requests - errors),
    counter(`${prefix}upstream_rq_503`, errors), counter(`${prefix}upstream_rq_5xx`, errors),
    counter(`${prefix}upstream_rq_total`, requests), counter(`${prefix}upstream_rq_completed`, requests),
    counter(`${prefix}external.upstream_rq_200`, requests - errors), counter(`${prefix}external.upstream_rq_2xx`, requests - errors),
    counter(`${prefix}upstream_cx_total`, 1), counter(`${prefix}upstream_cx_destroy`, 1), counter(`${prefix}upstream_cx_http1_total`, 1),
    counter(`${prefix}upstream_cx_tx_bytes_total`, requests * 300), counter(`${prefix}upstream_cx_rx_bytes_total`, requests * 900),
    counter(`${prefix}upstream_rq_pending_total`, 1), counter(`${prefix}upstream_rq_pending_overflow`, 0),
    counter(`${prefix}upstream_rq_retry`, errors), counter(`${prefix}upstream_rq_retry_success`, errors),
    counter(`${prefix}upstream_rq_timeout`, 0), counter(`${prefix}upstream_rq_per_try_timeout`, 0),
    counter(`${prefix}upstream_rq_rx_reset`, 0), counter(`${prefix}upstream_rq_tx_reset`, 0),
    counter(`${prefix}upstream_cx_connect_fail`, 0), counter(`${prefix}ssl.handshake`, 1), counter(`${prefix}ssl.connection_error`, 0),
    counter(`${prefix}outlier_detection.ejections_enforced_total`, 0), counter(`${prefix}lb_healthy_panic`, 0),
    counter(`${prefix}membership_change`, 0), counter(`${prefix}upstream_flow_control_paused_reading_total`, 0),
    gauge(`${prefix}upstream_cx_active`, 1), gauge(`${prefix}upstream_rq_active`, 0), gauge(`${prefix}membership_healthy`, 1),
    gauge(`${prefix}membership_total`, 1), gauge(`${prefix}outlier_detection.ejections_active`, 0),
    gauge(`${prefix}circuit_breakers.default.rq_open`, 0), gauge(`${prefix}circuit_breakers.default.cx_open`, 0),
    histogram(`${prefix}upstream_rq_time`, latency), histogram(`${prefix}external.upstream_rq_time`, latency),
    histogram(`${prefix}upstream_cx_connect_ms`, [1]), histogram(`${prefix}upstream_cx_length_ms`, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    histogram(`${prefix}upstream_rq_body_size`, [requests]), histogram(`${prefix}upstream_rs_body_size`, [0, 0, 0, 0, 0, 0, 0, 0, requests]),
  ];
}

/** The stats around the clusters: server, listeners, connection managers, cluster manager. */
function surroundingStats(address: string): EnvoyMetric[] {
  const stats: EnvoyMetric[] = [gauge('server.uptime', 3600), gauge('server.memory_allocated', 4e7), gauge('server.live', 1)];
  for (const name of ['cds.update_success', 'cds.update_rejected', 'lds.update_success', 'eds.update_success', 'rds.update_success', 'active_clusters', 'warming_clusters']) {
    stats.push(counter(`cluster_manager.${name}`, 0));
  }
  for (const name of ['downstream_cx_total', 'downstream_cx_destroy', 'downstream_rq_total', 'downstream_rq_2xx', 'downstream_rq_5xx', 'downstream_cx_ssl_total',
    'fault.aborts_injected', 'fault.delays_injected', 'downstream_rq_completed', 'downstream_cx_http1_total', 'rq_total', 'downstream_rq_rx_reset']) {
    stats.push(counter(`http.outbound_${address}_${SERVICE_PORT}.${name}`, 0));
    stats.push(counter(`listener.${address}_${SERVICE_PORT}.http.outbound_${address}_${SERVICE_PORT}.${name}`, 0));
  }
  for (let index = 0; index < 50; index += 1) stats.push(counter(`runtime.bench_key_${index}`, 0));
  stats.push(histogram(`http.outbound_${address}_${SERVICE_PORT}.downstream_rq_time`, [10, 10]));
  return stats;
}

/** One flush of a sidecar of `workload`: the stats around its clusters, then those of each cluster it calls. */
export function sidecarFlushMetrics(workload: BenchWorkload, scale: MeshScale, clustersPerProxy: number): EnvoyMetric[] {
  const metrics = [...surroundingStats(workload.address)];
  for (let k = 1; k <= clustersPerProxy; k += 1) {
    const callee = (workload.service + k) % scale.services;
    const host = `${serviceName(callee)}.${namespaceOf(callee, scale)}.svc.cluster.local`;
    metrics.push(...clusterFlush(outboundClusterName(SERVICE_PORT, k % 2 === 0 ? 'v2' : 'v1', host), 40 + k));
  }
  return metrics;
}

export class StatsFleet {
  private readonly channels: grpc.Client[];
  private readonly calls: grpc.ClientWritableStream<Uint8Array>[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  /** Stats in one flush of one proxy. */
  readonly statsPerFlush: number;
  private readonly first: Uint8Array[];
  private readonly later: Uint8Array[];
  flushesSent = 0;

  constructor(private readonly workloads: readonly BenchWorkload[], scale: MeshScale, private readonly options: StatsFleetOptions) {
    this.channels = Array.from({ length: options.channels }, () => new grpc.Client(options.target, grpc.credentials.createInsecure()));
    const flushes = workloads.map((workload) => ({ workload, metrics: sidecarFlushMetrics(workload, scale, options.clustersPerProxy) }));
    this.statsPerFlush = flushes[0]?.metrics.length ?? 0;
    this.first = flushes.map(({ workload, metrics }) => encodeStreamMetricsMessage({ node: sidecarNode(workload), metrics }));
    this.later = flushes.map(({ metrics }) => encodeStreamMetricsMessage({ metrics }));
  }

  /** Opens every stream and starts flushing, each proxy at its own phase of the interval. */
  start(): void {
    this.workloads.forEach((_, index) => {
      const channel = this.channels[index % this.channels.length];
      const call = channel.makeClientStreamRequest(STREAM_METRICS, (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), () => ({}), () => undefined);
      call.on('error', () => undefined);
      this.calls.push(call);
      const phase = (index * this.options.intervalMs) / this.workloads.length;
      let sentFirst = false;
      const flush = () => {
        call.write(sentFirst ? this.later[index] : this.first[index]);
        sentFirst = true;
        this.flushesSent += 1;
      };
      this.timers.push(setTimeout(() => {
        flush();
        this.timers.push(setInterval(flush, this.options.intervalMs));
      }, phase));
    });
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    for (const call of this.calls) call.end();
    for (const channel of this.channels) channel.close();
  }
}
