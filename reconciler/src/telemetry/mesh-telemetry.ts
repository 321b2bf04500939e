/**
 * The telemetry as the reconciler runs it: the stats stream service on the xDS ports, the store
 * it feeds (resolving destinations against the current config and attributing injected faults
 * from what each proxy was sent), the Istio metrics and the telemetry's own counters for `/metrics`.
 */
import type { Logger } from '../log';
import { Counter, Gauge, renderMetrics } from '../ops/metrics';
import { renderIstioMetrics } from '../ops/istio-metrics';
import { TYPE_URLS } from '../push/contract';
import type { PushContext } from '../push/push-context';
import type { XdsSnapshot } from '../xds/snapshot';
import type { SnapshotWatchSource } from '../xds/snapshot-cache';
import type { ProxyAuthenticator } from '../xds/ads/proxy-authentication';
import { FaultTarget, faultTargetsByStatPrefix } from './fault-attribution';
import { METRICS_SERVICE_DEFINITION, MetricsService } from './metrics-service';
import { TelemetryStore } from './telemetry-store';
import { TrafficDestinations } from './traffic-destination';

export interface TelemetryOptions {
  /** Istio's cluster id in `source_cluster`/`destination_cluster`. @default 'Kubernetes' */
  readonly clusterName?: string;
  /** @default 20000 */
  readonly maxSeries?: number;
  /** @default 50000 */
  readonly maxIstioRecords?: number;
  /**
   * Also expose `istio_request_bytes` and `istio_response_bytes`: two more histograms per series,
   * which triple the exposition of a large mesh.
   * @default false
   */
  readonly bodySizeMetrics?: boolean;
}

export interface MeshTelemetryDependencies {
  readonly currentPush: () => PushContext | undefined;
  readonly snapshots: SnapshotWatchSource;
  readonly trustDomain: string;
  readonly authenticator?: ProxyAuthenticator;
  readonly log: Logger;
}

export class MeshTelemetry {
  readonly store: TelemetryStore;
  readonly service: MetricsService;
  private readonly faultTargetCache = new WeakMap<XdsSnapshot, Map<string, FaultTarget[]>>();

  constructor(dependencies: MeshTelemetryDependencies, options: TelemetryOptions = {}) {
    this.store = new TelemetryStore({
      destinations: new TrafficDestinations(dependencies.currentPush),
      trustDomain: dependencies.trustDomain,
      clusterName: options.clusterName,
      maxSeries: options.maxSeries,
      maxIstioRecords: options.maxIstioRecords,
      bodySizeMetrics: options.bodySizeMetrics,
      faultTargets: (proxyId, statPrefix) => this.faultTargets(dependencies.snapshots.getSnapshot(proxyId), statPrefix),
      isCluster: (proxyId, cluster) => dependencies.snapshots.getSnapshot(proxyId)?.resources(TYPE_URLS.cluster).has(cluster) ?? false,
    });
    this.service = new MetricsService({ sink: this.store, log: dependencies.log, authenticator: dependencies.authenticator });
  }

  /** The gRPC service to add to the xDS server. */
  get grpcService() {
    return { definition: METRICS_SERVICE_DEFINITION, implementation: this.service.implementation };
  }

  /** The telemetry's own metrics and Istio's, as chunks of Prometheus text. */
  renderMetrics(): string[] {
    const counters = this.store.counters;
    const streams = new Gauge('reconciler_telemetry_streams', 'Open stats streams from proxies.');
    streams.set(this.service.openStreams);
    const series = new Gauge('reconciler_telemetry_series', 'Proxy × cluster series held for the rolling windows.');
    series.set(this.store.seriesCount);
    const records = new Gauge('reconciler_telemetry_istio_series', 'Istio metric label sets held for /metrics.');
    records.set(this.store.istio.size);
    const flushes = new Counter('reconciler_telemetry_flushes_total', 'Stats flushes received from proxies.');
    flushes.inc({}, counters.flushes);
    const refused = new Counter('reconciler_telemetry_refused_total', 'Counts not kept because a cap was reached, by what was full.');
    refused.inc({ cap: 'series' }, counters.seriesRefused);
    refused.inc({ cap: 'istio_series' }, this.store.istio.refused);
    const unattributed = new Counter('reconciler_telemetry_unattributed_faults_total',
      'Injected faults counted by a connection manager whose routes fault more than one cluster, so no edge could be credited.');
    unattributed.inc({ kind: 'abort' }, counters.unattributedFaultAborts);
    unattributed.inc({ kind: 'delay' }, counters.unattributedFaultDelays);
    const unreadable = new Counter('reconciler_telemetry_labelled_metrics_total', 'Stats that arrived with tags as labels, which the telemetry does not read.');
    unreadable.inc({}, counters.labelledMetrics);
    const rejected = new Counter('reconciler_telemetry_rejected_streams_total', 'Stats streams the reconciler closed, by reason.');
    for (const [reason, count] of this.service.refusals) rejected.inc({ reason }, count);
    return [renderMetrics([streams, series, records, flushes, refused, unattributed, unreadable, rejected]), ...renderIstioMetrics(this.store.istio.all())];
  }

  close(): void {
    this.service.close();
  }

  private faultTargets(snapshot: XdsSnapshot | undefined, statPrefix: string): FaultTarget[] | undefined {
    if (!snapshot) return undefined;
    let byPrefix = this.faultTargetCache.get(snapshot);
    if (!byPrefix) {
      const routes = new Map([...snapshot.resources(TYPE_URLS.route).values()].map((route) => [route.name, route.json as Record<string, any>]));
      byPrefix = faultTargetsByStatPrefix([...snapshot.resources(TYPE_URLS.listener).values()].map((listener) => listener.json as Record<string, any>), routes);
      this.faultTargetCache.set(snapshot, byPrefix);
    }
    return byPrefix.get(statPrefix);
  }
}
