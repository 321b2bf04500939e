/**
 * Histograms as the telemetry keeps them: counts per bucket (not cumulative) on one fixed set of
 * bounds, plus a last slot for samples above the largest bound. Merging across proxies and time
 * is then plain addition of bucket counts: the only merge that stays exact, since quantiles of
 * parts do not combine into the quantile of the whole.
 *
 * The bounds are Envoy's default histogram buckets, which are also the buckets of Istio's
 * `istio_request_duration_milliseconds`. A proxy configured with other bounds is re-bucketed: each
 * of its buckets goes to the smallest kept bound at or above its own upper bound, so a latency is
 * never reported lower than it was measured.
 */
import type { HistogramSample } from './metrics-wire';

/** Envoy's default bucket bounds (milliseconds for latency, bytes for sizes). */
export const HISTOGRAM_BOUNDS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/** Slots a histogram occupies in a field array: one per bound, then the overflow slot. */
export const HISTOGRAM_SLOTS = HISTOGRAM_BOUNDS.length + 1;

/** Adds a flushed sample's per-bucket counts into `target[offset … offset + HISTOGRAM_SLOTS)`. */
export function addSampleBuckets(sample: HistogramSample, target: Float32Array | Float64Array, offset: number, scale = 1): void {
  let previous = 0;
  const sameBounds = sample.upperBounds.length === HISTOGRAM_BOUNDS.length
    && sample.upperBounds.every((bound, index) => bound === HISTOGRAM_BOUNDS[index]);
  for (let index = 0; index < sample.upperBounds.length; index += 1) {
    const cumulative = sample.cumulativeCounts[index];
    const inBucket = cumulative - previous;
    previous = cumulative;
    if (inBucket <= 0) continue;
    const slot = sameBounds ? index : slotAtOrAbove(sample.upperBounds[index]);
    target[offset + slot] += inBucket * scale;
  }
  const beyond = sample.count - previous;
  if (beyond > 0) target[offset + HISTOGRAM_BOUNDS.length] += beyond * scale;
}

function slotAtOrAbove(bound: number): number {
  for (let index = 0; index < HISTOGRAM_BOUNDS.length; index += 1) {
    if (HISTOGRAM_BOUNDS[index] >= bound) return index;
  }
  return HISTOGRAM_BOUNDS.length;
}

/**
 * The q-quantile (0 < q < 1) of per-bucket counts, interpolated linearly inside its bucket the
 * way Prometheus' `histogram_quantile` does, so the store and a Prometheus query of the same
 * samples agree. Samples in the overflow slot answer with the largest bound. Undefined when empty.
 */
export function histogramQuantile(counts: ArrayLike<number>, offset: number, q: number): number | undefined {
  let total = 0;
  for (let slot = 0; slot < HISTOGRAM_SLOTS; slot += 1) total += counts[offset + slot];
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let cumulative = 0;
  for (let slot = 0; slot < HISTOGRAM_BOUNDS.length; slot += 1) {
    const inBucket = counts[offset + slot];
    if (inBucket > 0 && cumulative + inBucket >= rank) {
      const lower = slot === 0 ? 0 : HISTOGRAM_BOUNDS[slot - 1];
      const upper = HISTOGRAM_BOUNDS[slot];
      return lower + (upper - lower) * ((rank - cumulative) / inBucket);
    }
    cumulative += inBucket;
  }
  return HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1];
}

/** p50, p95 and p99 as `histogramQuantile` gives each, in one pass over the buckets. */
export function histogramPercentiles(counts: ArrayLike<number>, offset: number): { p50: number; p95: number; p99: number } | undefined {
  let total = 0;
  for (let slot = 0; slot < HISTOGRAM_SLOTS; slot += 1) total += counts[offset + slot];
  if (!(total > 0)) return undefined;
  const ranks = [0.5 * total, 0.95 * total, 0.99 * total];
  const found = [HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1], HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1], HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1]];
  let next = 0;
  let cumulative = 0;
  for (let slot = 0; slot < HISTOGRAM_BOUNDS.length && next < ranks.length; slot += 1) {
    const inBucket = counts[offset + slot];
    while (next < ranks.length && inBucket > 0 && cumulative + inBucket >= ranks[next]) {
      const lower = slot === 0 ? 0 : HISTOGRAM_BOUNDS[slot - 1];
      found[next] = lower + (HISTOGRAM_BOUNDS[slot] - lower) * ((ranks[next] - cumulative) / inBucket);
      next += 1;
    }
    cumulative += inBucket;
  }
  return { p50: found[0], p95: found[1], p99: found[2] };
}
