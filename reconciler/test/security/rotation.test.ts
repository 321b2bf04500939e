import { X509Certificate } from 'node:crypto';
import { createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { WorkloadCertificateCache } from '../../src/security/workload-cert-cache';

const HOUR_MS = 60 * 60 * 1000;
const START = new Date('2030-01-01T00:00:00Z').getTime();
const IDENTITY = { namespace: 'default', serviceAccount: 'reviews' };

async function cacheWithFakeClock(lifetimeMs: number) {
  const ca = await loadCertificateAuthority(await createRootCa('cluster.local', { now: new Date(START) }), 'test root');
  const clock = { now: START };
  const cache = new WorkloadCertificateCache(ca, { lifetimeMs, clock: () => new Date(clock.now) });
  return { cache, clock };
}

describe('workload certificate rotation', () => {
  test.each([
    { elapsedHours: 0, rotated: false },
    { elapsedHours: 11, rotated: false },
    { elapsedHours: 12.5, rotated: true },
    { elapsedHours: 30, rotated: true },
  ])('GIVEN a 24 h certificate WHEN $elapsedHours h have passed THEN rotated=$rotated', async ({ elapsedHours, rotated }) => {
    const { cache, clock } = await cacheWithFakeClock(24 * HOUR_MS);
    const first = await cache.get(IDENTITY);

    clock.now = START + elapsedHours * HOUR_MS;
    const second = await cache.get(IDENTITY);

    expect(second === first).toBe(!rotated);
    if (rotated) {
      expect(second.privateKeyPem).not.toBe(first.privateKeyPem);
      expect(Date.parse(new X509Certificate(second.certificateChainPem).validTo)).toBe(clock.now + 24 * HOUR_MS);
    }
  });

  test('GIVEN concurrent requests for one identity WHEN none is cached THEN one certificate is issued and shared', async () => {
    const { cache } = await cacheWithFakeClock(HOUR_MS);

    const [a, b] = await Promise.all([cache.get(IDENTITY), cache.get(IDENTITY)]);

    expect(a).toBe(b);
  });

  test('GIVEN two identities WHEN both are requested THEN each gets its own key and SPIFFE id', async () => {
    const { cache } = await cacheWithFakeClock(HOUR_MS);

    const reviews = await cache.get(IDENTITY);
    const ratings = await cache.get({ namespace: 'default', serviceAccount: 'ratings' });

    expect(ratings.spiffeId).toBe('spiffe://cluster.local/ns/default/sa/ratings');
    expect(ratings.privateKeyPem).not.toBe(reviews.privateKeyPem);
  });
});

test('GIVEN the synchronous view WHEN nothing was issued, after issuance and after expiry THEN it returns none, the certificate, none', async () => {
  const { cache, clock } = await cacheWithFakeClock(HOUR_MS);
  expect(cache.peek(IDENTITY)).toBeUndefined();

  const issued = await cache.get(IDENTITY);
  expect(cache.peek(IDENTITY)).toBe(issued);

  clock.now = START + 2 * HOUR_MS;
  expect(cache.peek(IDENTITY)).toBeUndefined();
});
