/**
 * Running totals of the traffic callers sent to chosen subsets (`host|subset`), counted from the
 * callers' outbound stats: the counts a rollout needs to judge a canary over exactly its step's
 * window, as the difference of two readings. Only subsets somebody tracks are counted, so the
 * cost follows the running rollouts, not the mesh.
 */
import { histogramQuantile } from './histogram';
import type { ClusterFlush } from './proxy-flush';
import { addClusterFlush, FIELD, FIELD_COUNT, InjectedFaults } from './traffic-fields';

/** A reading of one subset's totals: the fields of `traffic-fields.ts`, summed since tracking began. */
export type SubsetReading = Float64Array;

/** What a subset received between two readings. */
export interface SubsetWindow {
  readonly requests: number;
  readonly responses5xx: number;
  readonly grpcCalls: number;
  readonly grpcErrors: number;
  /** Milliseconds; undefined without latency samples. */
  readonly p99Ms?: number;
}

export function subsetKey(host: string, subset: string): string {
  return `${host}|${subset}`;
}

export class SubsetTotals {
  private readonly totals = new Map<string, Float64Array>();
  /** When each key began to be counted (epoch ms): its totals hold nothing older. */
  private readonly trackedSince = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Counts `host|subset` keys from now on and stops counting any other. */
  track(keys: Iterable<string>): void {
    const wanted = new Set(keys);
    for (const key of this.totals.keys()) {
      if (wanted.has(key)) continue;
      this.totals.delete(key);
      this.trackedSince.delete(key);
    }
    for (const key of wanted) {
      if (this.totals.has(key)) continue;
      this.totals.set(key, new Float64Array(FIELD_COUNT));
      this.trackedSince.set(key, this.clock());
    }
  }

  /** The keys counted now. */
  get keys(): string[] {
    return [...this.totals.keys()];
  }

  /** When `key` began to be counted (epoch ms); undefined when it is not tracked. */
  since(key: string): number | undefined {
    return this.trackedSince.get(key);
  }

  /** Adds one outbound cluster flush of a caller, when its destination is tracked. */
  add(host: string | undefined, subset: string | undefined, flush: ClusterFlush, faults: InjectedFaults | undefined): void {
    if (host === undefined || subset === undefined) return;
    const fields = this.totals.get(subsetKey(host, subset));
    if (fields) addClusterFlush(fields, 0, flush, false, faults);
  }

  /** A copy of the totals now; undefined when the key is not tracked. */
  read(key: string): SubsetReading | undefined {
    const fields = this.totals.get(key);
    return fields ? Float64Array.from(fields) : undefined;
  }
}

/** What arrived between `earlier` and `later` (two readings of one subset). */
export function subsetWindow(earlier: SubsetReading, later: SubsetReading): SubsetWindow {
  const delta = new Float64Array(FIELD_COUNT);
  addDelta(delta, earlier, later);
  return windowOf(delta);
}

/** Adds `later - earlier` into `into`, field by field, never below 0 (a reset counts from 0). */
export function addDelta(into: Float64Array, earlier: SubsetReading | undefined, later: SubsetReading): void {
  for (let index = 0; index < FIELD_COUNT; index += 1) into[index] += Math.max(0, later[index] - (earlier?.[index] ?? 0));
}

/** The window of summed field deltas. */
export function windowOf(delta: Float64Array): SubsetWindow {
  return {
    requests: delta[FIELD.requests],
    responses5xx: delta[FIELD.responses5xx],
    grpcCalls: delta[FIELD.grpcCalls],
    grpcErrors: delta[FIELD.grpcErrors],
    p99Ms: histogramQuantile(delta, FIELD.latencyBuckets, 0.99),
  };
}
