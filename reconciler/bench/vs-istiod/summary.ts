/** Median, range and the reconciler/istiod ratio of repeated measurements. */

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values: every side must have run at least once');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** ours / theirs: below 1 we use less (time, CPU, memory, bytes). Undefined when theirs is 0. */
export function ratio(ours: number, theirs: number): number | undefined {
  return theirs === 0 ? undefined : ours / theirs;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error(`p${p} of no samples`);
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}
