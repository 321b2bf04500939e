import { expectShareNear, shareSigmaPoints } from './shares';

describe('share checks for random routing and faults', () => {
  test.each([
    [2000, 50, 1.118],
    [2000, 10, 0.671],
    [600, 50, 2.041],
  ])('GIVEN %d samples at %d %% WHEN sigma is computed THEN it is %d points', (samples, percent, sigma) => {
    expect(shareSigmaPoints(samples, percent)).toBeCloseTo(sigma, 3);
  });

  test('GIVEN ±3 points over 2 000 samples at 50 % (2.7 sigma) WHEN checked THEN the tolerance itself is refused with the least acceptable one', () => {
    expect(() => expectShareNear(1000, 2000, 50, 3)).toThrow('a tolerance of ±3 points over 2000 samples at 50 % is only 2.7 sigma; use at least ±4.47 points or more samples');
  });

  test('GIVEN a tolerance of 4.5 sigma WHEN the share is inside or outside it THEN the check passes or fails', () => {
    expect(() => expectShareNear(1090, 2000, 50, 5)).not.toThrow();
    expect(() => expectShareNear(1110, 2000, 50, 5)).toThrow();
  });
});
