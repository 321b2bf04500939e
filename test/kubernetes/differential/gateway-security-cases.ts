/**
 * Security at the edge, as plain Istio YAML: an AuthorizationPolicy and a RequestAuthentication
 * selecting the routers, and a VirtualService bound to the Gateway that routes on the verified
 * token's claims (`@request.auth.claims.<claim>`, nested as `[a][b]`), which Istio supports on
 * gateways. Requests carry no token, tokens of two users with different claims, an expired and a
 * tampered one.
 */
import type { DifferentialCase, RequestClass } from './differential-case';
import { GATEWAY_NAME, GATEWAY_SELECTOR, SHOP_HOST } from './gateway-workload';
import { hostOf, MESH_NAMESPACE } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';
import { JWKS, signJwt } from '../../../reconciler/test/translate-security/jwt-signer';

const REVIEWS = hostOf('reviews');
const ISSUER = 'https://edge-issuer.differential.test';
const HOUR_S = 3600;

const security = (kind: string, name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'security.istio.io/v1', kind, metadata: { name, namespace: MESH_NAMESPACE }, spec: { selector: { matchLabels: GATEWAY_SELECTOR }, ...spec } });

/** Signed once per run: the issuer's key is made per run, and both sides get the same tokens. */
function tokens() {
  const forged = signJwt({ iss: ISSUER, sub: 'alice' }).split('.');
  return {
    alice: signJwt({ iss: ISSUER, sub: 'alice', groups: ['admin', 'dev'], org: { team: 'payments' } }),
    bob: signJwt({ iss: ISSUER, sub: 'bob', groups: ['dev'], org: { team: 'search' } }),
    expired: signJwt({ iss: ISSUER, sub: 'alice', groups: ['admin'], exp: Math.floor(Date.now() / 1000) - HOUR_S }),
    tampered: [forged[0], Buffer.from(JSON.stringify({ iss: ISSUER, sub: 'admin', groups: ['admin'] })).toString('base64url'), forged[2]].join('.'),
  };
}

const get = (name: string, path: string, headers: Record<string, string> = {}, repeat = 2): RequestClass =>
  ({ name, request: { path, authority: SHOP_HOST, headers }, repeat });

function withEachToken(path: string): RequestClass[] {
  const signed = tokens();
  return [
    get(`${path} without a token`, path),
    ...Object.entries(signed).map(([user, token]) => get(`${path} with ${user}'s token`, path, { authorization: `Bearer ${token}` })),
  ];
}

export const GATEWAY_SECURITY_CASES: readonly DifferentialCase[] = [
  {
    id: 'gateway-authorization',
    description: 'DENY policies on the routers: by path prefix, and by a header',
    objects: [
      security('AuthorizationPolicy', 'edge-deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] }),
      security('AuthorizationPolicy', 'edge-deny-blocked', { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-blocked]', values: ['yes'] }] }] }),
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'shop', namespace: MESH_NAMESPACE },
        spec: { hosts: [SHOP_HOST], gateways: [GATEWAY_NAME], http: [{ route: [{ destination: { host: REVIEWS, subset: 'v1' } }] }] },
      },
    ],
    requests: [get('an allowed path', '/items'), get('a denied path', '/admin/users'), get('a blocked caller', '/items', { 'x-blocked': 'yes' }), get('another header value', '/items', { 'x-blocked': 'no' })],
  },
  {
    id: 'gateway-jwt-claims',
    description: 'a RequestAuthentication on the routers, routes on the groups claim and the nested org.team claim, and /private denied without a verified token',
    objects: [
      security('RequestAuthentication', 'edge-jwt', { jwtRules: [{ issuer: ISSUER, jwks: JWKS }] }),
      security('AuthorizationPolicy', 'edge-private', { action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/private'] } }] }] }),
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'shop', namespace: MESH_NAMESPACE },
        spec: {
          hosts: [SHOP_HOST],
          gateways: [GATEWAY_NAME],
          http: [
            { match: [{ headers: { '@request.auth.claims.groups': { exact: 'admin' } } }], route: [{ destination: { host: REVIEWS, subset: 'v2' } }] },
            { match: [{ headers: { '@request.auth.claims[org][team]': { prefix: 'sea' } } }], route: [{ destination: { host: REVIEWS, subset: 'v3' } }] },
            { match: [{ withoutHeaders: { '@request.auth.claims.sub': { exact: 'alice' } }, uri: { prefix: '/not-alice' } }], route: [{ destination: { host: REVIEWS, subset: 'v3' } }] },
            { route: [{ destination: { host: REVIEWS, subset: 'v1' } }] },
          ],
        },
      },
    ],
    requests: [...withEachToken('/'), ...withEachToken('/not-alice'), ...withEachToken('/private')],
  },
];
