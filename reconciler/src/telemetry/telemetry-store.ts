/**
 * The mesh's live traffic: every proxy's stats flushes become per-edge rolling windows (for the
 * graph, health and rollout decisions) and Istio-standard running totals (for `/metrics`). Proxies
 * report over streams (see `metrics-service.ts`); a departed proxy's counts stay until they age
 * out of the windows. Series are capped, idle ones dropped, and every refusal is counted.
 *
 * Time is passed in (epoch ms), so tests drive the store with a fake clock.
 */
import { DEFAULT_STATS_FLUSH_INTERVAL_MS } from '../model';
import type { ProxyIdentity } from '../push/contract';
import { AuthorizationCounts } from './authorization-counts';
import type { EdgeTraffic } from './edge-traffic';
import { attributeFaults, FaultTarget } from './fault-attribution';
import { DEFAULT_ISTIO_CLUSTER_NAME, EdgeLabelInput } from './istio-labels';
import { IstioTotals } from './istio-totals';
import type { EnvoyMetric, FamilyFilter } from './metrics-wire';
import { ClusterFlush, ProxyFlush, ProxyFlushReader, StatNameCache } from './proxy-flush';
import type { TrafficDestination, TrafficDestinations } from './traffic-destination';
import { flushHasTraffic, InjectedFaults } from './traffic-fields';
import { mergeEdges, mergeGrouped, mergeTotal } from './series-merge';
import { MAX_WINDOW_MS, ProxyCoverage } from './proxy-coverage';
import { IstioRecords, SourcePeer, TrafficSeries } from './traffic-series';
import { SubsetTotals } from './subset-totals';
import { peerOfProxy, principalOf, WorkloadPeer } from './workload-peer';

export interface TelemetryStoreOptions {
  readonly destinations: TrafficDestinations;
  readonly trustDomain: string;
  /** Istio's cluster id for `source_cluster`/`destination_cluster`. @default 'Kubernetes' */
  readonly clusterName?: string;
  /** The fault routes of a proxy's connection manager, from the config it was sent. */
  readonly faultTargets?: (proxyId: string, statPrefix: string) => readonly FaultTarget[] | undefined;
  /** Whether a proxy was sent a cluster of that name. */
  readonly isCluster?: (proxyId: string, cluster: string) => boolean;
  /** Series (proxy × cluster) kept at most. @default 20000 */
  readonly maxSeries?: number;
  /** Istio label sets kept at most. @default 50000 */
  readonly maxIstioRecords?: number;
  /** Keep request and response body size distributions for Istio's metrics. @default false */
  readonly bodySizeMetrics?: boolean;
}

/** Which edges a query covers; every given field must match. */
export interface TrafficQuery {
  readonly windowMs: number;
  readonly direction?: 'outbound' | 'inbound';
  readonly sourceNamespace?: string;
  readonly sourceWorkload?: string;
  /** The destination service host, e.g. `reviews.shop.svc.cluster.local`. */
  readonly destinationHost?: string;
  readonly destinationNamespace?: string;
  readonly destinationVersion?: string;
  readonly destinationSubset?: string;
}

/** Names the group a series belongs to (e.g. its caller and destination host), or undefined to leave it out. */
export type TrafficGrouping = (source: SourcePeer, destination: TrafficDestination) => string | undefined;

/** Counts the store keeps about itself, for the reconciler's own metrics. */
export interface TelemetryCounters {
  flushes: number;
  seriesRefused: number;
  unattributedFaultAborts: number;
  unattributedFaultDelays: number;
  /** Metrics that arrived with labels and could not be read (the bootstrap sends none). */
  labelledMetrics: number;
}

/** One proxy's open stats stream: feed it each message's metrics, close it when the stream ends. */
export interface ProxyStatsStream {
  /** What the wire decoder should decode of this stream's messages. */
  readonly filter: FamilyFilter;
  record(metrics: readonly EnvoyMetric[], now: number): void;
  close(now: number): void;
}

const INBOUND_PREFIX = /^inbound_(\d+)$/;
const SWEEP_EVERY_MS = 30_000;

export class TelemetryStore {
  readonly istio: IstioTotals;
  /** Running totals of tracked subsets, as rollouts judge their canaries. */
  readonly subsetTotals = new SubsetTotals();
  /** What each workload's RBAC filters allowed and denied, per AuthorizationPolicy. */
  readonly authorization = new AuthorizationCounts();
  readonly counters: TelemetryCounters = { flushes: 0, seriesRefused: 0, unattributedFaultAborts: 0, unattributedFaultDelays: 0, labelledMetrics: 0 };
  /** Series by proxy id, then cluster name. */
  private readonly seriesByProxy = new Map<string, Map<string, TrafficSeries>>();
  private readonly coverageByProxy = new Map<string, ProxyCoverage>();
  private readonly statNames = new StatNameCache();
  private seriesTotal = 0;
  private readonly streamsByProxy = new Map<string, number>();
  private readonly streamsByWorkload = new Map<string, number>();
  /** Proxies connected over ADS, by workload: each runs the bootstrap's stats sink, flushes or not yet. */
  private readonly sidecarsByWorkload = new Map<string, Set<string>>();
  private readonly maxSeries: number;
  private readonly clusterName: string;
  private lastSweep = 0;

  constructor(private readonly options: TelemetryStoreOptions) {
    this.maxSeries = options.maxSeries ?? 20_000;
    this.clusterName = options.clusterName ?? DEFAULT_ISTIO_CLUSTER_NAME;
    this.istio = new IstioTotals({ maxRecords: options.maxIstioRecords, bodySizes: options.bodySizeMetrics });
  }

  get seriesCount(): number {
    return this.seriesTotal;
  }

  get openStreams(): number {
    let open = 0;
    for (const streams of this.streamsByProxy.values()) open += streams;
    return open;
  }

  /** Proxies with an open stats stream. */
  reportingProxies(): string[] {
    return [...this.streamsByProxy.keys()];
  }

  /** Registers a stream of `proxy` (identified from its first message). */
  openStream(proxy: ProxyIdentity, now: number): ProxyStatsStream {
    const peer = peerOfProxy(proxy);
    const source: SourcePeer = { ...peer, proxyId: proxy.id, principal: principalOf(peer, this.options.trustDomain), gateway: proxy.proxyType === 'router' };
    const workloadKey = workloadKeyOf(source);
    this.streamsByProxy.set(proxy.id, (this.streamsByProxy.get(proxy.id) ?? 0) + 1);
    let coverage = this.coverageByProxy.get(proxy.id);
    if (!coverage) {
      coverage = new ProxyCoverage(now);
      this.coverageByProxy.set(proxy.id, coverage);
    }
    this.streamsByWorkload.set(workloadKey, (this.streamsByWorkload.get(workloadKey) ?? 0) + 1);
    const isCluster = this.options.isCluster;
    const reader = new ProxyFlushReader(this.statNames, isCluster ? (cluster) => isCluster(proxy.id, cluster) : undefined);
    let lastReportAt: number | undefined;
    let closed = false;
    return {
      filter: reader.filter,
      record: (metrics, now) => {
        const flush = reader.read(metrics);
        this.ingest(proxy, source, coverage!, flush, coveredFrom(lastReportAt, flush, now), now);
        lastReportAt = now;
      },
      close: (now) => {
        if (closed) return;
        closed = true;
        this.closeStream(proxy.id, workloadKey, now);
      },
    };
  }

  /**
   * A proxy of `proxy`'s workload connected over ADS. Its stats stream opens only with its first
   * flush, up to a flush interval later, so the destination reports of requests it serves until
   * then rest on this.
   */
  sidecarConnected(proxy: ProxyIdentity): void {
    const key = workloadKeyOf(peerOfProxy(proxy));
    let proxies = this.sidecarsByWorkload.get(key);
    if (!proxies) {
      proxies = new Set();
      this.sidecarsByWorkload.set(key, proxies);
    }
    proxies.add(proxy.id);
  }

  /** The last ADS stream of `proxy` closed. */
  sidecarDisconnected(proxy: ProxyIdentity): void {
    const key = workloadKeyOf(peerOfProxy(proxy));
    const proxies = this.sidecarsByWorkload.get(key);
    if (!proxies) return;
    proxies.delete(proxy.id);
    if (proxies.size === 0) this.sidecarsByWorkload.delete(key);
  }

  /** The edges matching a query, one per source workload → destination (service, subset, version). */
  edges(query: TrafficQuery, now: number = Date.now()): EdgeTraffic[] {
    return mergeEdges(this.seriesByProxy, { ...query, windowMs: checkedWindow(query.windowMs) }, now);
  }

  /**
   * Everything matching a query merged into one: e.g. all callers of one version of a service,
   * as a rollout judges a canary. Undefined when nothing matching reported in the window.
   */
  total(query: TrafficQuery, now: number = Date.now()): EdgeTraffic | undefined {
    return mergeTotal(this.seriesByProxy, { ...query, windowMs: checkedWindow(query.windowMs) }, now);
  }

  /**
   * Like `total`, once per group, for several groupings in one pass over the series (each series'
   * rates are read once, then added to its group of every grouping): the graph merges each caller →
   * service, each service and each service version this way, latency buckets included. A grouping
   * that maps a series to undefined leaves it out.
   */
  groupedTotals(query: TrafficQuery, groupings: readonly TrafficGrouping[], now: number = Date.now()): Map<string, EdgeTraffic>[] {
    return mergeGrouped(this.seriesByProxy, { ...query, windowMs: checkedWindow(query.windowMs) }, groupings, now);
  }

  /** Drops series that have aged out of every window, and frees aged-out slots of the others. */
  sweep(now: number): void {
    this.lastSweep = now;
    for (const [proxyId, byCluster] of this.seriesByProxy) {
      for (const [cluster, series] of byCluster) {
        if (series.isIdle(now) && (!series.connected || now - series.lastTrafficAt > MAX_WINDOW_MS)) {
          byCluster.delete(cluster);
          this.seriesTotal -= 1;
        } else {
          series.compact(now);
        }
      }
      if (byCluster.size === 0 && !this.streamsByProxy.has(proxyId)) this.seriesByProxy.delete(proxyId);
    }
    for (const [proxyId, coverage] of this.coverageByProxy) {
      if (coverage.isIdle(now) && !this.seriesByProxy.has(proxyId)) this.coverageByProxy.delete(proxyId);
    }
    this.istio.sweep(now);
    this.authorization.sweep(now);
  }



  private ingest(proxy: ProxyIdentity, source: SourcePeer, coverage: ProxyCoverage, flush: ProxyFlush, from: number, now: number): void {
    coverage.record(now, from);
    this.counters.flushes += 1;
    this.counters.labelledMetrics += flush.labelledMetrics;
    const faults = this.attributedFaults(proxy.id, flush);
    const downstream = new Map<number, { connections: number; tlsConnections: number }>();
    for (const listener of flush.listeners.values()) {
      if (listener.authorization) this.authorization.record(source, listener.authorization, from, now);
      const inbound = INBOUND_PREFIX.exec(listener.statPrefix);
      if (inbound) downstream.set(Number(inbound[1]), { connections: listener.connections, tlsConnections: listener.tlsConnections });
    }
    const generation = this.options.destinations.generation;
    const byCluster = this.seriesByProxy.get(proxy.id);
    for (const clusterFlush of flush.clusters.values()) {
      const clusterFaults = faults.get(clusterFlush.cluster);
      let series = byCluster?.get(clusterFlush.cluster);
      const destination = series && series.resolvedWith === generation ? series.destination : this.options.destinations.resolve(clusterFlush.cluster, proxy);
      if (!destination) continue;
      if (!series) {
        if (!flushHasTraffic(clusterFlush, clusterFaults)) continue;
        series = this.createSeries(source, destination, coverage, now);
        if (!series) continue;
      }
      series.destination = destination;
      series.resolvedWith = generation;
      const inboundConnections = destination.direction === 'inbound' && destination.port !== undefined ? downstream.get(destination.port) : undefined;
      series.record(now, from, clusterFlush, clusterFaults, inboundConnections);
      if (destination.direction === 'outbound') {
        this.addIstioTotals(series, clusterFlush, clusterFaults, now);
        this.subsetTotals.add(destination.service?.host, destination.subset, clusterFlush, clusterFaults);
      }
    }
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
  }

  /** Adds a flush to the series' Istio records, remade only when a fact their labels come from changed. */
  private addIstioTotals(series: TrafficSeries, flush: ClusterFlush, faults: InjectedFaults | undefined, now: number): void {
    const destination = series.destination;
    const mtls = series.mtls === true;
    const protocol = series.protocol;
    const destinationReports = this.destinationReports(destination);
    let records = series.istio;
    if (!records || records.destination !== destination || records.mtls !== mtls || records.protocol !== protocol
      || records.destinationReports !== destinationReports || !records.source || records.source.dropped
      || (destinationReports && (!records.destinationReport || records.destinationReport.dropped))) {
      const input: EdgeLabelInput = { reporter: 'source', source: series.source, destination, protocol, mtls, trustDomain: this.options.trustDomain, clusterName: this.clusterName };
      records = {
        destination, mtls, protocol, destinationReports,
        source: this.istio.recordFor(input, now),
        destinationReport: destinationReports ? this.istio.recordFor({ ...input, reporter: 'destination' }, now) : undefined,
      } satisfies IstioRecords;
      series.istio = records;
    }
    if (records.source) this.istio.add(records.source, 'source', protocol, flush, faults, now);
    if (records.destinationReport) this.istio.add(records.destinationReport, 'destination', protocol, flush, faults, now);
  }

  /**
   * Istio reports at the destination only from a sidecar there: every reachable workload must run
   * a reporting proxy, one streaming stats or connected over ADS (whose first flush may still come).
   */
  private destinationReports(destination: TrafficDestination): boolean {
    return destination.workloads.length > 0 && !destination.external
      && destination.workloads.every((workload) => {
        const key = workloadKeyOf(workload);
        return (this.streamsByWorkload.get(key) ?? 0) > 0 || this.sidecarsByWorkload.has(key);
      });
  }

  private attributedFaults(proxyId: string, flush: ProxyFlush): Map<string, InjectedFaults> {
    const byCluster = new Map<string, InjectedFaults>();
    for (const listener of flush.listeners.values()) {
      if (listener.faultAborts <= 0 && listener.faultDelays <= 0) continue;
      const attribution = attributeFaults(listener, this.options.faultTargets?.(proxyId, listener.statPrefix));
      this.counters.unattributedFaultAborts += attribution.unattributedAborts;
      this.counters.unattributedFaultDelays += attribution.unattributedDelays;
      for (const [cluster, faults] of attribution.byCluster) {
        const existing = byCluster.get(cluster);
        byCluster.set(cluster, existing ? { ...faults, aborts: faults.aborts + existing.aborts, delays: faults.delays + existing.delays } : faults);
      }
    }
    return byCluster;
  }

  private createSeries(source: SourcePeer, destination: TrafficDestination, coverage: ProxyCoverage, now: number): TrafficSeries | undefined {
    if (this.seriesTotal >= this.maxSeries) {
      this.counters.seriesRefused += 1;
      return undefined;
    }
    const series = new TrafficSeries(source, destination, coverage, now);
    let byCluster = this.seriesByProxy.get(source.proxyId);
    if (!byCluster) {
      byCluster = new Map();
      this.seriesByProxy.set(source.proxyId, byCluster);
    }
    byCluster.set(destination.cluster, series);
    this.seriesTotal += 1;
    return series;
  }

  private closeStream(proxyId: string, workloadKey: string, now: number): void {
    const streams = (this.streamsByProxy.get(proxyId) ?? 1) - 1;
    if (streams > 0) {
      this.streamsByProxy.set(proxyId, streams);
    } else {
      this.streamsByProxy.delete(proxyId);
      this.coverageByProxy.get(proxyId)?.disconnected(now);
    }
    const workloadStreams = (this.streamsByWorkload.get(workloadKey) ?? 1) - 1;
    if (workloadStreams > 0) this.streamsByWorkload.set(workloadKey, workloadStreams);
    else this.streamsByWorkload.delete(workloadKey);
  }
}

function workloadKeyOf(peer: Pick<WorkloadPeer, 'namespace' | 'workload'>): string {
  return `${peer.namespace}/${peer.workload}`;
}

/**
 * The start of the traffic a report covers: the stream's previous report; for a stream's first
 * report, one flush interval back, or the proxy's start when it is younger than that.
 */
function coveredFrom(lastReportAt: number | undefined, flush: ProxyFlush, now: number): number {
  if (lastReportAt !== undefined) return lastReportAt;
  const uptimeMs = flush.uptimeSeconds !== undefined ? flush.uptimeSeconds * 1000 : Infinity;
  return now - Math.min(DEFAULT_STATS_FLUSH_INTERVAL_MS, Math.max(uptimeMs, 1000));
}

function checkedWindow(windowMs: number): number {
  if (!Number.isFinite(windowMs) || windowMs < 1000 || windowMs > MAX_WINDOW_MS) {
    throw new Error(`a traffic window of ${windowMs} ms is out of range; ask for 1 s to ${MAX_WINDOW_MS / 60_000} min (e.g. 60000, 300000 or 900000)`);
  }
  return windowMs;
}
