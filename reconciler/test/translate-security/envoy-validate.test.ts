import { buildEnvoyBootstrap } from '../../src/model';
import { createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { issueWorkloadCertificate } from '../../src/security/workload-certs';
import { translateRequestAuthentication } from '../../src/xds/translate/security/jwt';
import {
  INBOUND_CLIENT_CERT_HCM_FIELDS, SIDECAR_ENDPOINT_METADATA, autoMtlsTransportSocketMatches, inboundFilterChains, upstreamMtlsTransportSocket,
} from '../../src/xds/translate/security/mtls';
import { MtlsMode } from '../../src/xds/translate/security/peer-authentication';
import { translateAuthorizationPolicies } from '../../src/xds/translate/security/rbac';
import { identitySecret, rootCaSecret } from '../../src/xds/translate/security/sds';
import { validateWithEnvoy } from './envoy-process';
import { JWKS } from './jwt-signer';
import { ROOT_NAMESPACE, authorizationPolicy, httpConnectionManager, requestAuthentication, withStaticSecrets, withoutType } from './fixtures';

const WORKLOAD = { namespace: 'shop', labels: { app: 'cart' } };
const MODES: MtlsMode[] = ['STRICT', 'PERMISSIVE', 'DISABLE'];

test('GIVEN every generated security fragment WHEN placed in a sidecar bootstrap THEN real Envoy validates the config', async () => {
  const ca = await loadCertificateAuthority(await createRootCa('cluster.local'), 'test root');
  const certificate = await issueWorkloadCertificate(ca, { namespace: 'shop', serviceAccount: 'cart' });
  const jwt = translateRequestAuthentication([requestAuthentication('shop', 'ra', {
    jwtRules: [
      { issuer: 'https://issuer.example', jwksUri: 'https://login.example.com/.well-known/jwks.json', outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }] },
      { issuer: 'local', jwks: JWKS, fromHeaders: [{ name: 'x-token' }], fromParams: ['token'], outputPayloadToHeader: 'x-payload' },
    ],
  })], WORKLOAD, ROOT_NAMESPACE);
  const rbac = translateAuthorizationPolicies([
    authorizationPolicy('shop', 'allow', {
      rules: [
        { from: [{ source: { principals: ['cluster.local/ns/web/sa/frontend'], namespaces: ['web'], requestPrincipals: ['https://issuer.example/*'] } }], to: [{ operation: { methods: ['GET'], paths: ['/api/*'], ports: ['8080'] } }] },
        { when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }, { key: 'source.ip', values: ['10.0.0.0/8'] }, { key: 'request.headers[x-tenant]', notValues: ['blocked'] }] },
      ],
    }),
    authorizationPolicy('shop', 'deny', { action: 'DENY', rules: [{ to: [{ operation: { notHosts: ['*.internal'] } }], when: [{ key: 'connection.sni', values: ['*.example'] }] }] }),
    authorizationPolicy('shop', 'audit', { action: 'AUDIT', rules: [{}] }),
  ], WORKLOAD, { rootNamespace: ROOT_NAMESPACE, trustDomain: 'cluster.local' });
  const hcm = httpConnectionManager([jwt.httpFilter, ...rbac], INBOUND_CLIENT_CERT_HCM_FIELDS);
  const listeners = MODES.map((mode, index) => ({
    name: `inbound-${mode}`,
    address: { socket_address: { address: '127.0.0.1', port_value: 18000 + index } },
    ...inboundFilterChains({ mode, name: `inbound|${18000 + index}`, networkFilters: [hcm], filterChainMatch: { destination_port: 18000 + index } }),
  }));
  const upstream = { host: 'reviews.default.svc.cluster.local', port: 9080, subset: 'v1', peerSpiffeIds: ['spiffe://cluster.local/ns/default/sa/reviews'], alpnProtocols: ['h2'] };
  const endpoint = { address: { socket_address: { address: '127.0.0.2', port_value: 9080 } } };
  const bootstrap = buildEnvoyBootstrap({
    node: { id: 'sidecar~127.0.0.1~cart.shop~shop.svc.cluster.local', cluster: 'cart.shop', namespace: 'shop', serviceAccount: 'cart', name: 'cart', labels: WORKLOAD.labels, instanceIp: '127.0.0.1', interceptionMode: 'NONE' },
    xds: { host: '127.0.0.1', port: 15010 },
  }) as any;
  bootstrap.static_resources.listeners.push(...listeners);
  bootstrap.static_resources.clusters.push(...jwt.clusters, ...withStaticSecrets([
    { name: 'outbound|9080|v1|reviews', type: 'STATIC', connect_timeout: '1s', transport_socket: upstreamMtlsTransportSocket(upstream), load_assignment: { cluster_name: 'outbound|9080|v1|reviews', endpoints: [{ lb_endpoints: [{ endpoint }] }] } },
    { name: 'outbound|9080||reviews', type: 'STATIC', connect_timeout: '1s', transport_socket_matches: autoMtlsTransportSocketMatches(upstream), load_assignment: { cluster_name: 'outbound|9080||reviews', endpoints: [{ lb_endpoints: [{ endpoint, metadata: SIDECAR_ENDPOINT_METADATA }] }] } },
  ]));
  bootstrap.static_resources.secrets = [identitySecret(certificate), rootCaSecret(ca.certificatePem)].map((secret) => withoutType(secret.resource));

  expect(() => validateWithEnvoy(bootstrap)).not.toThrow();
});
