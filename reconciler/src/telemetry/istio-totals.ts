/**
 * Running totals for Istio's standard metrics, one record per label set (workload to workload,
 * not pod to pod). They only grow, whatever happens to proxies: a departed or restarted Envoy
 * leaves its counts in, so Prometheus never sees a counter go back. A record idle for longer than
 * the idle time is dropped (Prometheus then marks the series stale), and the number of records is
 * capped, with refusals counted.
 *
 * Latency and body sizes are measured per cluster, not per request, so each flush's histogram is
 * shared out between that flush's response codes in proportion to their counts; `_count` then
 * equals the requests of the same labels. Local replies (`UO`, `FI`) are observed at 0 ms.
 * Destination reports carry request counts only: their durations would be the source's again.
 */
import { addSampleBuckets, HISTOGRAM_SLOTS } from './histogram';
import { EdgeLabels, edgeLabels, EdgeLabelInput, Reporter } from './istio-labels';
import type { RequestProtocol } from './traffic-destination';
import type { HistogramSample } from './metrics-wire';
import type { ClusterFlush } from './proxy-flush';
import { ResponseCount, splitResponses } from './response-split';
import type { InjectedFaults } from './traffic-fields';

/** A distribution kept as per-bucket counts plus the sum of observations. */
export class DistributionTotals {
  readonly buckets = new Float64Array(HISTOGRAM_SLOTS);
  sum = 0;
  count = 0;
}

export class ResponseTotals {
  count = 0;
  readonly duration = new DistributionTotals();
  requestBytes?: DistributionTotals;
  responseBytes?: DistributionTotals;

  constructor(readonly code: number, readonly flags: string, readonly grpcStatus: string) {}
}

export interface TcpTotals {
  /** Istio's direction: bytes the destination sent back (the source received). */
  sentBytes: number;
  receivedBytes: number;
  opened: number;
  closed: number;
}

export class IstioEdgeTotals {
  readonly responses = new Map<string, ResponseTotals>();
  tcp?: TcpTotals;
  /** Set when the record is dropped (idle): whoever holds it must ask for a new one. */
  dropped = false;

  constructor(readonly labels: EdgeLabels, public lastUpdated: number) {}

  response(count: ResponseCount): ResponseTotals {
    const key = `${count.code}|${count.flags}|${count.grpcStatus}`;
    let totals = this.responses.get(key);
    if (!totals) {
      totals = new ResponseTotals(count.code, count.flags, count.grpcStatus);
      this.responses.set(key, totals);
    }
    return totals;
  }
}

export interface IstioTotalsOptions {
  /** Records kept at most; further label sets are refused and counted. @default 50000 */
  readonly maxRecords?: number;
  /** A record with no new counts for this long is dropped. @default 15 minutes */
  readonly idleMs?: number;
  /** Keep body size distributions (`istio_request_bytes`, `istio_response_bytes`). @default false */
  readonly bodySizes?: boolean;
}

export class IstioTotals {
  private readonly records = new Map<string, IstioEdgeTotals>();
  private readonly maxRecords: number;
  private readonly idleMs: number;
  private readonly bodySizes: boolean;
  /** Flushes not counted because the record cap was reached. */
  refused = 0;

  constructor(options: IstioTotalsOptions = {}) {
    this.maxRecords = options.maxRecords ?? 50_000;
    this.idleMs = options.idleMs ?? 15 * 60_000;
    this.bodySizes = options.bodySizes ?? false;
  }

  get size(): number {
    return this.records.size;
  }

  all(): IterableIterator<IstioEdgeTotals> {
    return this.records.values();
  }

  /**
   * The record of an edge's label set, made on first use; undefined when the cap refuses a new one
   * (the refusal is counted).
   */
  recordFor(input: EdgeLabelInput, now: number): IstioEdgeTotals | undefined {
    const labels = edgeLabels(input);
    const key = Object.values(labels).join('\u0000');
    let record = this.records.get(key);
    if (!record) {
      if (this.records.size >= this.maxRecords) {
        this.refused += 1;
        return undefined;
      }
      record = new IstioEdgeTotals(labels, now);
      this.records.set(key, record);
    }
    return record;
  }

  /** Adds one cluster flush to the record of its edge as reported by `reporter` (see `splitResponses`). */
  add(record: IstioEdgeTotals, reporter: Reporter, protocol: RequestProtocol, flush: ClusterFlush, faults: InjectedFaults | undefined, now: number): void {
    if (protocol === 'tcp') {
      if (flush.sentBytes + flush.receivedBytes + flush.connectionsOpened + flush.connectionsClosed <= 0) return;
      record.lastUpdated = now;
      record.tcp ??= { sentBytes: 0, receivedBytes: 0, opened: 0, closed: 0 };
      record.tcp.sentBytes += flush.receivedBytes;
      record.tcp.receivedBytes += flush.sentBytes;
      record.tcp.opened += flush.connectionsOpened;
      record.tcp.closed += flush.connectionsClosed;
      return;
    }
    if (flush.responses.size === 0 && !(faults && faults.aborts > 0)) return;
    const counts = splitResponses(flush, faults, protocol === 'grpc')
      .filter((count) => count.count > 0 && (reporter === 'source' || count.reachedDestination));
    if (counts.length === 0) return;
    record.lastUpdated = now;
    for (const count of counts) {
      const totals = record.response(count);
      totals.count += count.count;
      // A destination report is what the source saw: its durations are the source's, so only the
      // source reports them (Kiali reads response times from source reports as well).
      if (reporter === 'destination') continue;
      if (!count.reachedDestination) {
        observeAtZero(totals.duration, count.count);
        continue;
      }
      shareOut(flush.latency, count.count, () => totals.duration);
      if (!this.bodySizes) continue;
      shareOut(flush.requestBody, count.count, () => (totals.requestBytes ??= new DistributionTotals()));
      shareOut(flush.responseBody, count.count, () => (totals.responseBytes ??= new DistributionTotals()));
    }
  }

  /** Drops records idle for longer than the idle time. */
  sweep(now: number): void {
    for (const [key, record] of this.records) {
      if (now - record.lastUpdated > this.idleMs) {
        record.dropped = true;
        this.records.delete(key);
      }
    }
  }
}

/**
 * Adds a flushed histogram as `observations` observations: the sample's shape and mean, scaled so
 * the count matches the requests it stands for.
 */
function shareOut(sample: HistogramSample | undefined, observations: number, target: () => DistributionTotals): void {
  if (!sample || !(sample.count > 0)) return;
  const totals = target();
  const scale = observations / sample.count;
  addSampleBuckets(sample, totals.buckets, 0, scale);
  totals.sum += sample.sum * scale;
  totals.count += observations;
}

function observeAtZero(totals: DistributionTotals, observations: number): void {
  totals.buckets[0] += observations;
  totals.count += observations;
}
