/**
 * End-user authentication with `JwtAuthentication`: tokens signed in the test by a key generated in
 * the test, whose JWKS is inline in the config. Istio semantics: a token that is present but
 * invalid is rejected by authentication with 401; a request without a token passes
 * authentication and is then denied by the construct's DENY policy (`notRequestPrincipals`) with
 * 403, which is what Istio answers for a missing token under an authorization policy.
 */
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { JwtAuthentication, Mesh, MeshService, ServiceProtocol } from '../../src';
import { TestIssuer } from './support/security-tokens';

const ISSUER = 'https://auth.e2e.example';
const issuer = new TestIssuer(ISSUER);

function declareMesh(chart: Chart, mesh: Mesh): void {
  const reviews = new MeshService(chart, 'Reviews', {
    mesh, name: 'reviews', ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: 'example.com/reviews:v1' }],
  });
  new JwtAuthentication(chart, 'ReviewsJwt', { service: reviews, issuer: ISSUER, jwks: issuer.jwks, requiredPaths: ['/api/*'] });
}

const hourAgo = () => Math.floor(Date.now() / 1000) - 3600;

describe('JWT end-user authentication (JwtAuthentication)', () => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'jwt',
      build: declareMesh,
      workloads: [{ service: 'reviews', version: 'v1' }],
      clients: [{ name: 'productpage' }],
      serverSidecars: true,
      reconciler: 'child',
    });
  });

  afterAll(() => mesh?.stop());

  const call = (path: string, token?: string) => mesh.request('productpage', {
    service: 'reviews', path, headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

  test.each([
    { token: 'a valid token', make: () => issuer.token(), status: 200 },
    { token: 'no token (denied by the DENY policy: Istio answers 403, not 401)', make: () => undefined, status: 403 },
    { token: 'a token of another issuer', make: () => issuer.token({ iss: 'https://other.example' }), status: 401 },
    { token: 'an expired token', make: () => issuer.token({ iat: hourAgo() - 60, exp: hourAgo() }), status: 401 },
    { token: 'a token with a bad signature', make: () => issuer.tokenWithForeignSignature(), status: 401 },
  ])('GIVEN a required path WHEN a request carries $token THEN the answer is $status', ({ make, status }) => mesh.run(async () => {
    const response = await call('/api/orders', make());
    expect(response.status).toBe(status);
    if (status === 200) {
      expect(response.version).toBe('v1');
    }
  }));

  test.each([
    { token: 'no token', make: () => undefined, status: 200 },
    { token: 'an expired token', make: () => issuer.token({ iat: hourAgo() - 60, exp: hourAgo() }), status: 401 },
  ])('GIVEN a path outside requiredPaths WHEN a request carries $token THEN the answer is $status (a present token is still validated)', ({ make, status }) => mesh.run(async () => {
    expect((await call('/health', make())).status).toBe(status);
  }));
});
