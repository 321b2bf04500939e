import { ServiceAccountPeerAuthenticator, serviceAccountUserOf } from '../../src/security/peer-authentication';
import type { TokenReviewStatus } from '../../src/security/token-review-authenticator';

const RECONCILER = 'system:serviceaccount:mesh-system:mesh-reconciler';

/** A TokenReview that knows a few tokens, counting the reviews it was asked for. */
function reviewer(known: Record<string, TokenReviewStatus>) {
  const reviews: string[][] = [];
  const review = async (token: string, audiences: readonly string[]) => {
    reviews.push([token, ...audiences]);
    if (token === 'api-down') throw new Error('connect ECONNREFUSED 10.96.0.1:443');
    return known[token] ?? { authenticated: false, error: 'invalid bearer token' };
  };
  return { review, reviews };
}

const asUser = (username: string): TokenReviewStatus => ({ authenticated: true, user: { username } });

describe('peer authentication with the reconciler\'s service-account token', () => {
  test('GIVEN a token of the reconciler\'s own service account WHEN a peer presents it THEN it is admitted, and reviewed once per minute', async () => {
    const clock = { now: 0 };
    const { review, reviews } = reviewer({ peer: asUser(RECONCILER) });
    const authenticator = new ServiceAccountPeerAuthenticator(review, RECONCILER, () => clock.now);
    expect(await authenticator.authorize('Bearer peer')).toEqual({ ok: true });
    clock.now = 59_000;
    expect(await authenticator.authorize('bearer  peer ')).toEqual({ ok: true });
    expect(reviews).toEqual([['peer']]);
    clock.now = 60_000;
    expect(await authenticator.authorize('Bearer peer')).toEqual({ ok: true });
    expect(reviews).toEqual([['peer'], ['peer']]);
  });

  test('GIVEN no token, an unknown one, another account\'s or a failing API server THEN each is refused with its reason', async () => {
    const { review } = reviewer({ workload: asUser('system:serviceaccount:shop:frontend'), person: asUser('alice') });
    const authenticator = new ServiceAccountPeerAuthenticator(review, RECONCILER);
    expect(await authenticator.authorize(undefined)).toEqual({
      ok: false, status: 401, error: `send 'Authorization: Bearer <service-account token>' of ${RECONCILER}: only reconciler replicas read each other's totals`,
    });
    expect(await authenticator.authorize('Bearer forged')).toEqual({ ok: false, status: 401, error: 'the token was not accepted (invalid bearer token)' });
    expect(await authenticator.authorize('Bearer workload')).toEqual({
      ok: false, status: 403, error: `the token belongs to "system:serviceaccount:shop:frontend"; only ${RECONCILER} (the reconciler's replicas) may read these totals`,
    });
    expect(await authenticator.authorize('Bearer person')).toMatchObject({ ok: false, status: 403 });
    expect(await authenticator.authorize('Bearer api-down')).toEqual({
      ok: false, status: 503, error: 'the TokenReview of the caller\'s token failed (connect ECONNREFUSED 10.96.0.1:443); retry',
    });
  });

  test('GIVEN a refused token WHEN presented again THEN it is reviewed again (only acceptance is remembered)', async () => {
    const { review, reviews } = reviewer({});
    const authenticator = new ServiceAccountPeerAuthenticator(review, RECONCILER);
    await authenticator.authorize('Bearer forged');
    await authenticator.authorize('Bearer forged');
    expect(reviews).toHaveLength(2);
  });

  test('GIVEN this pod\'s own token THEN its service account is read from the JWT subject', () => {
    const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.signature`;
    expect(serviceAccountUserOf(jwt({ sub: RECONCILER, aud: ['https://kubernetes.default.svc'] }))).toBe(RECONCILER);
    expect(serviceAccountUserOf(jwt({ sub: 'alice' }))).toBeUndefined();
    expect(serviceAccountUserOf('not-a-jwt')).toBeUndefined();
    expect(serviceAccountUserOf('')).toBeUndefined();
  });
});
