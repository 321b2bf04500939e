import { boundedTokenReviews } from '../../src/security/bounded-token-reviews';
import type { TokenReviewStatus } from '../../src/security/token-review-authenticator';

interface PendingReview {
  readonly token: string;
  settle(outcome: TokenReviewStatus | Error): void;
}

/** A reviewer whose reviews finish only when the test says so, counting how many run at once. */
function controlledReviewer() {
  const pending: PendingReview[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const review = (token: string) => new Promise<TokenReviewStatus>((resolve, reject) => {
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    pending.push({
      token,
      settle: (outcome) => {
        running -= 1;
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      },
    });
  });
  return { review, pending, get running() { return running; }, get mostAtOnce() { return mostAtOnce; } };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('boundedTokenReviews', () => {
  test('never runs more reviews than allowed, and every caller gets its own review back', async () => {
    const reviewer = controlledReviewer();
    const bounded = boundedTokenReviews(reviewer.review, 3);
    const results = Array.from({ length: 10 }, (_, index) => bounded(`token-${index}`, ['istio-ca']));
    await flush();
    expect(reviewer.running).toBe(3);
    // Finish them out of order; a newcomer arriving while slots are handed over waits its turn too.
    let late: Promise<TokenReviewStatus> | undefined;
    while (reviewer.pending.length > 0) {
      const next = reviewer.pending.splice(reviewer.pending.length - 1, 1)[0];
      next.settle({ authenticated: true, user: { username: `system:serviceaccount:ns:${next.token}` } });
      if (!late) late = bounded('token-late', ['istio-ca']);
      await flush();
      expect(reviewer.running).toBeLessThanOrEqual(3);
    }
    expect(reviewer.mostAtOnce).toBe(3);
    const statuses = await Promise.all([...results, late!]);
    expect(statuses.map((status) => status.user?.username)).toEqual([
      ...Array.from({ length: 10 }, (_, index) => `system:serviceaccount:ns:token-${index}`),
      'system:serviceaccount:ns:token-late',
    ]);
  });

  test('a failed review frees its slot and fails only its own caller', async () => {
    const reviewer = controlledReviewer();
    const bounded = boundedTokenReviews(reviewer.review, 1);
    const first = bounded('a', ['istio-ca']);
    const second = bounded('b', ['istio-ca']);
    await flush();
    expect(reviewer.pending.map((review) => review.token)).toEqual(['a']);
    reviewer.pending.shift()!.settle(new Error('connection reset'));
    await expect(first).rejects.toThrow('connection reset');
    await flush();
    expect(reviewer.pending.map((review) => review.token)).toEqual(['b']);
    reviewer.pending.shift()!.settle({ authenticated: false, error: 'expired' });
    await expect(second).resolves.toEqual({ authenticated: false, error: 'expired' });
  });

  test('refuses a bound that admits no review', () => {
    expect(() => boundedTokenReviews(async () => ({}), 0)).toThrow('TokenReviews in flight is 0; it must be a whole number of at least 1');
  });
});
