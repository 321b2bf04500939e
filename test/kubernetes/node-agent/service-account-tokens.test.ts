import type { Pod } from './pod-types';
import { ServiceAccountTokens } from './service-account-tokens';
import type { KubeApi } from '../cluster/kube-api';

const pod: Pod = { metadata: { name: 'web-0', namespace: 'shop', uid: 'uid-1' }, spec: { serviceAccountName: 'web', containers: [] } };

/** A TokenRequest endpoint that records requests and answers with numbered tokens. */
function tokenApi(now: () => number, extendToYear = false) {
  const requests: { path: string; body: any }[] = [];
  const api = {
    create: async (path: string, body: any) => {
      requests.push({ path, body });
      const lifetimeMs = extendToYear ? 365 * 24 * 3600 * 1000 : body.spec.expirationSeconds * 1000;
      return { status: { token: `token-${requests.length}`, expirationTimestamp: new Date(now() + lifetimeMs).toISOString() } };
    },
  } as unknown as KubeApi;
  return { api, requests };
}

describe('projected service-account tokens', () => {
  test('GIVEN a projection WHEN its token is asked for THEN a TokenRequest for the audience and lifetime, bound to the pod, is made once', async () => {
    const clock = { now: 0 };
    const { api, requests } = tokenApi(() => clock.now);
    const tokens = new ServiceAccountTokens(api, () => clock.now);
    expect(await tokens.token(pod, { audience: 'istio-ca', expirationSeconds: 600 })).toBe('token-1');
    expect(await tokens.token(pod, { audience: 'istio-ca', expirationSeconds: 600 })).toBe('token-1');
    expect(requests).toEqual([{
      path: '/api/v1/namespaces/shop/serviceaccounts/web/token',
      body: expect.objectContaining({
        spec: { audiences: ['istio-ca'], expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'uid-1' } },
      }),
    }]);
  });

  test.each([false, true])('GIVEN a 600 s token (lifetime extended by the API server: %s) WHEN 80 %% of the requested lifetime has passed THEN a new one is requested, not before', async (extended) => {
    const clock = { now: 0 };
    const { api, requests } = tokenApi(() => clock.now, extended);
    const tokens = new ServiceAccountTokens(api, () => clock.now);
    await tokens.token(pod, { expirationSeconds: 600 });
    clock.now = 479_000;
    expect(await tokens.token(pod, { expirationSeconds: 600 })).toBe('token-1');
    clock.now = 480_000;
    expect(await tokens.token(pod, { expirationSeconds: 600 })).toBe('token-2');
    expect(requests[1].body.spec.audiences).toEqual([]);
  });
});
