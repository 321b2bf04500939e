import { addSampleBuckets, HISTOGRAM_BOUNDS, HISTOGRAM_SLOTS, histogramPercentiles, histogramQuantile } from '../../src/telemetry/histogram';
import { histogramOf } from '../support/envoy-stats';

function buckets(...samples: ReturnType<typeof histogramOf>[]): Float64Array {
  const counts = new Float64Array(HISTOGRAM_SLOTS);
  for (const sample of samples) addSampleBuckets(sample, counts, 0);
  return counts;
}

describe('histograms on Envoy\'s default buckets', () => {
  test('GIVEN a sample WHEN added THEN each value lands in the bucket of the smallest bound at or above it, the rest in the overflow slot', () => {
    const counts = buckets(histogramOf([0.2, 0.5, 3, 5, 7, 9_999_999]));

    expect(counts[HISTOGRAM_BOUNDS.indexOf(0.5)]).toBe(2);
    expect(counts[HISTOGRAM_BOUNDS.indexOf(5)]).toBe(2);
    expect(counts[HISTOGRAM_BOUNDS.indexOf(10)]).toBe(1);
    expect(counts[HISTOGRAM_SLOTS - 1]).toBe(1);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(6);
  });

  test('GIVEN 100 values spread evenly in (10, 25] WHEN p50 and p99 are taken THEN they interpolate inside the bucket as Prometheus does', () => {
    const counts = buckets(histogramOf(Array.from({ length: 100 }, (_, i) => 10.1 + i * 0.149)));

    // Prometheus: lower + (upper - lower) * (rank - below) / inBucket, with rank = q * total.
    expect(histogramQuantile(counts, 0, 0.5)).toBeCloseTo(10 + 15 * 0.5, 10);
    expect(histogramQuantile(counts, 0, 0.99)).toBeCloseTo(10 + 15 * 0.99, 10);
  });

  test('GIVEN two proxies of one workload WHEN their samples merge THEN the quantile is that of all samples together, not an average of quantiles', () => {
    const fast = histogramOf(Array(90).fill(3));
    const slow = histogramOf(Array(10).fill(400));
    const merged = buckets(fast, slow);
    const together = buckets(histogramOf([...Array(90).fill(3), ...Array(10).fill(400)]));

    expect([...merged]).toEqual([...together]);
    // p95 falls in the (250, 500] bucket: rank 95 is the 5th of the 10 slow requests.
    expect(histogramQuantile(merged, 0, 0.95)).toBeCloseTo(250 + 250 * (5 / 10), 10);
    const averageOfQuantiles = (histogramQuantile(buckets(fast), 0, 0.95)! + histogramQuantile(buckets(slow), 0, 0.95)!) / 2;
    expect(Math.abs(averageOfQuantiles - histogramQuantile(merged, 0, 0.95)!)).toBeGreaterThan(50);
  });

  test('GIVEN a proxy with other bounds WHEN added THEN its buckets move up to the next kept bound, never down', () => {
    const counts = buckets(histogramOf([2, 2, 7, 30, 70], [2, 7, 30, 70]));

    expect(counts[HISTOGRAM_BOUNDS.indexOf(5)]).toBe(2);
    expect(counts[HISTOGRAM_BOUNDS.indexOf(10)]).toBe(1);
    expect(counts[HISTOGRAM_BOUNDS.indexOf(50)]).toBe(1);
    expect(counts[HISTOGRAM_BOUNDS.indexOf(100)]).toBe(1);
  });

  test('GIVEN only overflow samples WHEN a quantile is taken THEN it answers the largest bound; GIVEN none THEN undefined', () => {
    expect(histogramQuantile(buckets(histogramOf([5_000_000])), 0, 0.5)).toBe(HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1]);
    expect(histogramQuantile(new Float64Array(HISTOGRAM_SLOTS), 0, 0.5)).toBeUndefined();
  });

  test('GIVEN bucket counts of many shapes WHEN p50, p95 and p99 are taken in one pass THEN each equals its own quantile query', () => {
    // A fixed linear congruential sequence: many shapes, the same every run.
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let shape = 0; shape < 200; shape += 1) {
      const counts = new Float64Array(HISTOGRAM_SLOTS + 3);
      const filled = 1 + Math.floor(next() * 4);
      for (let index = 0; index < filled; index += 1) counts[3 + Math.floor(next() * HISTOGRAM_SLOTS)] += next() < 0.5 ? 1 : next() * 100;

      const percentiles = histogramPercentiles(counts, 3);

      expect(percentiles).toEqual({ p50: histogramQuantile(counts, 3, 0.5), p95: histogramQuantile(counts, 3, 0.95), p99: histogramQuantile(counts, 3, 0.99) });
    }
    expect(histogramPercentiles(new Float64Array(HISTOGRAM_SLOTS), 0)).toBeUndefined();
  });
});
