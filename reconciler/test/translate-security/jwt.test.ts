import { translateRequestAuthentication } from '../../src/xds/translate/security/jwt';
import { JWKS } from './jwt-signer';
import { CLUSTER_TYPE, HCM_TYPE, ROOT_NAMESPACE, assertEncodes, httpConnectionManager, requestAuthentication } from './fixtures';

const WORKLOAD = { namespace: 'shop', labels: { app: 'cart' } };

function translate(objects: ReturnType<typeof requestAuthentication>[]) {
  const result = translateRequestAuthentication(objects, WORKLOAD, ROOT_NAMESPACE);
  if (result.httpFilter) assertEncodes(HCM_TYPE, httpConnectionManager([result.httpFilter]).typed_config as Record<string, unknown>);
  for (const cluster of result.clusters) assertEncodes(CLUSTER_TYPE, cluster);
  const config = (result.httpFilter as any)?.typed_config;
  return { config, clusters: result.clusters as any[], providers: Object.values(config?.providers ?? {}) as any[] };
}

describe('RequestAuthentication → jwt_authn', () => {
  test('GIVEN no RequestAuthentication WHEN translated THEN there is no filter and no cluster', () => {
    expect(translateRequestAuthentication([], WORKLOAD, ROOT_NAMESPACE)).toEqual({ clusters: [] });
  });

  test('GIVEN two issuers WHEN translated THEN a valid token of either passes, an invalid one fails and a missing one is allowed', () => {
    const { config } = translate([requestAuthentication('shop', 'ra', { jwtRules: [{ issuer: 'a', jwks: JWKS }, { issuer: 'b', jwks: JWKS }] })]);

    expect(config.rules).toEqual([{
      match: { prefix: '/' },
      requires: { requires_any: { requirements: [{ provider_name: 'shop/ra/0' }, { provider_name: 'shop/ra/1' }, { allow_missing: {} }] } },
    }]);
  });

  test.each([
    { field: 'fromHeaders', rule: { fromHeaders: [{ name: 'x-jwt', prefix: 'Token ' }] }, expected: { from_headers: [{ name: 'x-jwt', value_prefix: 'Token ' }] } },
    { field: 'fromParams', rule: { fromParams: ['token'] }, expected: { from_params: ['token'] } },
    { field: 'forwardOriginalToken', rule: { forwardOriginalToken: true }, expected: { forward: true } },
    { field: 'no forwardOriginalToken', rule: {}, expected: { forward: false } },
    { field: 'outputPayloadToHeader', rule: { outputPayloadToHeader: 'x-jwt-payload' }, expected: { forward_payload_header: 'x-jwt-payload' } },
    { field: 'outputClaimToHeaders', rule: { outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }] }, expected: { claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }] } },
    { field: 'audiences', rule: { audiences: ['cart'] }, expected: { audiences: ['cart'] } },
  ])('GIVEN $field WHEN translated THEN the provider carries $expected and exposes the payload to RBAC', ({ rule, expected }) => {
    const { providers } = translate([requestAuthentication('shop', 'ra', { jwtRules: [{ issuer: 'https://issuer.example', jwks: JWKS, ...rule }] })]);

    expect(providers[0]).toMatchObject({ issuer: 'https://issuer.example', local_jwks: { inline_string: JWKS }, payload_in_metadata: 'payload', ...expected });
  });

  test.each([
    { uri: 'https://login.example.com/keys', cluster: 'jwks|login.example.com|443', tls: true },
    { uri: 'http://127.0.0.1:8081/jwks.json', cluster: 'jwks|127.0.0.1|8081', tls: false },
  ])('GIVEN jwksUri $uri WHEN translated THEN remote JWKS is fetched through cluster $cluster (tls=$tls)', ({ uri, cluster, tls }) => {
    const { providers, clusters } = translate([requestAuthentication('shop', 'ra', { jwtRules: [{ issuer: 'i', jwksUri: uri }] })]);

    expect(providers[0].remote_jwks.http_uri).toMatchObject({ uri, cluster });
    expect(clusters.map((c) => c.name)).toEqual([cluster]);
    expect(Boolean(clusters[0].transport_socket)).toBe(tls);
  });

  test('GIVEN two policies using one JWKS host WHEN translated THEN one cluster is generated', () => {
    const rule = { issuer: 'i', jwksUri: 'https://login.example.com/keys' };
    const { clusters, providers } = translate([requestAuthentication('shop', 'a', { jwtRules: [rule] }), requestAuthentication(ROOT_NAMESPACE, 'mesh', { jwtRules: [rule] })]);

    expect(providers).toHaveLength(2);
    expect(clusters).toHaveLength(1);
  });

  test.each([
    { rule: { jwks: JWKS }, message: 'RequestAuthentication shop/ra: spec.jwtRules[0].issuer is missing' },
    { rule: { issuer: 'i' }, message: 'RequestAuthentication shop/ra: spec.jwtRules[0]: neither jwks nor jwksUri is set' },
    { rule: { issuer: 'i', jwks: '{"keys":[]}' }, message: 'RequestAuthentication shop/ra: spec.jwtRules[0].jwks is not a JSON Web Key Set with at least one key' },
    { rule: { issuer: 'i', jwksUri: 'ftp://x/keys' }, message: 'RequestAuthentication shop/ra: spec.jwtRules[0].jwksUri "ftp://x/keys" is not an absolute http(s) URL' },
  ])('GIVEN an incomplete rule WHEN translated THEN the error names the policy and field: $message', ({ rule, message }) => {
    expect(() => translate([requestAuthentication('shop', 'ra', { jwtRules: [rule] })])).toThrow(message);
  });
});
