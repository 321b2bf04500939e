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

  /** Counts `host|subset` keys from now on and stops counting any other. */
  track(keys: Iterable<string>): void {
    const wanted = new Set(keys);
    for (const key of this.totals.keys()) if (!wanted.has(key)) this.totals.delete(key);
    for (const key of wanted) if (!this.totals.has(key)) this.totals.set(key, new Float64Array(FIELD_COUNT));
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
  for (let index = 0; index < FIELD_COUNT; index += 1) delta[index] = Math.max(0, later[index] - earlier[index]);
  return {
    requests: delta[FIELD.requests],
    responses5xx: delta[FIELD.responses5xx],
    grpcCalls: delta[FIELD.grpcCalls],
    grpcErrors: delta[FIELD.grpcErrors],
    p99Ms: histogramQuantile(delta, FIELD.latencyBuckets, 0.99),
  };
}
