/**
 * The reconciler's metrics, fed by the ADS server (as its observer) and by the push loop.
 */
import type { SourceStatus } from '../config/source';
import type { IgnoredObject } from '../push/contract';
import type { AdsObserver } from '../xds/ads/ads-observer';
import { Counter, Gauge, Histogram, renderMetrics } from './metrics';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ReconcilerMetrics implements AdsObserver {
  readonly connectedProxies = new Gauge('reconciler_connected_proxies', 'Open xDS streams.');
  readonly pushesTotal = new Counter('reconciler_xds_pushes_total', 'xDS responses sent, by type.');
  readonly pushDuration = new Histogram('reconciler_push_duration_seconds', 'Time to rebuild and publish the snapshots of every connected proxy after a change.', LATENCY_BUCKETS);
  readonly convergence = new Histogram('reconciler_convergence_seconds', 'Time from publishing a snapshot to the proxy ACKing it.', LATENCY_BUCKETS);
  readonly nacksTotal = new Counter('reconciler_xds_nacks_total', 'Responses a proxy rejected, by type.');
  readonly refusingProxies = new Gauge('reconciler_xds_refusing_proxies', 'Proxies refusing (NACK) their latest config of a type, by type; see /debug/rejected.');
  readonly rejectedObjects = new Gauge('reconciler_rejected_objects', 'Config objects and files currently rejected and not served.');
  readonly generationErrors = new Counter('reconciler_generation_errors_total', 'Snapshots not published because generation or the consistency check failed.');
  readonly configLoads = new Counter('reconciler_config_loads_total', 'Config sets ingested.');
  readonly certificateRotations = new Counter('reconciler_certificate_rotations_total', 'Workload certificates re-issued before expiry and pushed to their proxies.');
  readonly sourceSynced = new Gauge('reconciler_source_synced', 'Whether a watched collection has completed its first list (1) or not (0), by watch.', true);
  readonly sourceFailing = new Gauge('reconciler_source_watch_failing', 'Whether the latest list or watch of a collection failed (1: serving what was last read), by watch.', true);
  readonly sourceFailures = new Counter('reconciler_source_watch_failures_total', 'Failed lists and watches, by watch.');
  readonly eventsRecorded = new Counter('reconciler_kubernetes_events_total', 'Warning Events recorded on rejected objects.');
  readonly admissionReviews = new Counter('reconciler_admission_reviews_total', 'Admission reviews answered by the validating webhook, by outcome.');

  /** Copies the source's watch health into the gauges, just before rendering. */
  observeSource(status: SourceStatus | undefined): void {
    for (const watch of status?.watches ?? []) {
      this.sourceSynced.set(watch.synced ? 1 : 0, { watch: watch.name });
      this.sourceFailing.set(watch.consecutiveFailures > 0 ? 1 : 0, { watch: watch.name });
      this.sourceFailures.setTotal(watch.failuresTotal, { watch: watch.name });
    }
  }

  readonly servedObjects = new Gauge('reconciler_served_objects', 'Config objects served (accepted now, or a previous version kept).');
  readonly ignoredObjects = new Gauge('reconciler_ignored_objects', 'Config objects read but not served, by category (see /debug/ignored).');
  readonly notAppliedFields = new Gauge('reconciler_not_applied_fields', 'Fields of served objects that are not applied (see notApplied in /debug/rejected).');
  readonly heldBackChanges = new Gauge('reconciler_held_back_changes', 'Removals or edits held back so the served config stays consistent (see heldBack in /debug/rejected).');

  recordIgnored(ignored: readonly IgnoredObject[]): void {
    for (const category of IGNORED_CATEGORIES) {
      this.ignoredObjects.set(ignored.filter((entry) => entry.category === category).length, { category });
    }
  }

  streamOpened(): void {
    this.connectedProxies.set(this.connectedProxies.get() + 1);
  }

  streamClosed(): void {
    this.connectedProxies.set(Math.max(0, this.connectedProxies.get() - 1));
  }

  responseSent(_proxyId: string, typeUrl: string): void {
    this.pushesTotal.inc({ type: shortType(typeUrl) });
  }

  acked(_proxyId: string, _typeUrl: string, _version: string, convergenceMs: number | undefined): void {
    if (convergenceMs !== undefined) this.convergence.observe(convergenceMs / 1000);
  }

  nacked(_proxyId: string, typeUrl: string): void {
    this.nacksTotal.inc({ type: shortType(typeUrl) });
  }

  render(): string {
    return renderMetrics([
      this.connectedProxies, this.pushesTotal, this.pushDuration, this.convergence,
      this.nacksTotal, this.refusingProxies, this.rejectedObjects, this.generationErrors, this.configLoads, this.certificateRotations,
      this.sourceSynced, this.sourceFailing, this.sourceFailures, this.eventsRecorded, this.admissionReviews,
      this.servedObjects, this.ignoredObjects, this.notAppliedFields, this.heldBackChanges,
    ]);
  }
}

const IGNORED_CATEGORIES: readonly IgnoredObject['category'][] = ['not-mesh-config', 'unsupported-kind', 'unknown-kind'];

/** `Listener` for `type.googleapis.com/envoy.config.listener.v3.Listener`, as metric labels carry it. */
export function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}
