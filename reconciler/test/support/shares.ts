/**
 * Checks for observed shares of random choices (weighted routes, percentage faults). Each request
 * is a Bernoulli trial, so the count of one outcome over n requests is binomial with
 * sigma = sqrt(n p (1 - p)). A tolerance below four sigma fails by chance often enough to block
 * landings (2.7 sigma fails about 0.7 % of runs); the check refuses such a tolerance outright.
 */

/** Tolerances must span at least this many standard deviations of the sample. */
export const MIN_SIGMAS = 4;

/** The standard deviation of an observed share, in percentage points, for `samples` trials at `expectedPercent`. */
export function shareSigmaPoints(samples: number, expectedPercent: number): number {
  const p = expectedPercent / 100;
  return (100 * Math.sqrt(p * (1 - p))) / Math.sqrt(samples);
}

/**
 * Asserts that `count` of `samples` is within `tolerancePoints` percentage points of
 * `expectedPercent`. Throws first if the tolerance is under MIN_SIGMAS sigma for that sample size,
 * so a test cannot be declared with a tolerance that fails by chance.
 */
export function expectShareNear(count: number, samples: number, expectedPercent: number, tolerancePoints: number): void {
  const sigma = shareSigmaPoints(samples, expectedPercent);
  if (tolerancePoints < MIN_SIGMAS * sigma) {
    throw new Error(`a tolerance of ±${tolerancePoints} points over ${samples} samples at ${expectedPercent} % is only `
      + `${(tolerancePoints / sigma).toFixed(1)} sigma; use at least ±${(MIN_SIGMAS * sigma).toFixed(2)} points or more samples`);
  }
  const share = (100 * count) / samples;
  expect(share).toBeGreaterThanOrEqual(expectedPercent - tolerancePoints);
  expect(share).toBeLessThanOrEqual(expectedPercent + tolerancePoints);
}
