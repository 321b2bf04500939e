/**
 * Router (gateway) generation, simulated: which listener a request to the gateway lands on, which
 * virtual host and route it takes and which cluster it reaches, plus TLS termination over SDS.
 */
import type { ProxyIdentity, ProxyResources } from '../../src/push/contract';
import { TYPE_URLS } from '../../src/push/contract';
import { parseProxyIdentity } from '../../src/push/proxy-identity';
import { createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { WorkloadCertificateCache } from '../../src/security/workload-cert-cache';
import { encodeResourceBytes } from '../../src/xds/codec';
import { generateProxyResources } from '../../src/xds/generators';
import { createSecurityExtensions } from '../../src/xds/translate/security/extensions';
import { findResource, resourcesOf, simulate } from '../support/simulate';
import { BOOKINFO, loadPushContext, proxy } from './fixture-loader';

const GATEWAY_LABELS = { app: 'ingress', istio: 'ingressgateway' };

/** What the IngressGateway construct emits: a Service mapping 80 → 8080 and 443 → 8443, and the Gateway. */
const GATEWAY = `
apiVersion: v1
kind: Service
metadata: { name: ingress, namespace: edge }
spec:
  selector: { app: ingress, istio: ingressgateway }
  ports: [{ name: http-80, port: 80, targetPort: 8080 }, { name: https-443, port: 443, targetPort: 8443 }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: ingress, namespace: edge }
spec:
  selector: { app: ingress, istio: ingressgateway }
  servers:
  - port: { number: 80, name: http-80, protocol: HTTP }
    hosts: [shop.example.com, "*.legacy.example.com"]
  - port: { number: 443, name: https-443, protocol: HTTPS }
    hosts: [secure.example.com]
    tls: { mode: SIMPLE, credentialName: secure-tls }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop, namespace: edge }
spec:
  hosts: [shop.example.com]
  gateways: [edge/ingress]
  http:
  - name: reviews-v2
    match: [{ uri: { prefix: /reviews } }]
    route: [{ destination: { host: reviews.bookinfo.svc.cluster.local, subset: v2, port: { number: 9080 } } }]
  - name: home
    match: [{ uri: { prefix: / } }]
    route: [{ destination: { host: productpage.bookinfo.svc.cluster.local, port: { number: 9080 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: old, namespace: edge }
spec:
  hosts: [app.legacy.example.com]
  gateways: [ingress]
  http: [{ route: [{ destination: { host: ratings.bookinfo.svc.cluster.local } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: secure, namespace: edge }
spec:
  hosts: [secure.example.com]
  gateways: [edge/ingress]
  http: [{ route: [{ destination: { host: details.bookinfo.svc.cluster.local, port: { number: 9080 } } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: mesh-only, namespace: edge }
spec:
  hosts: [internal.example.com]
  http: [{ route: [{ destination: { host: ratings.bookinfo.svc.cluster.local } }] }]
`;

const SECRET = `
apiVersion: v1
kind: Secret
metadata: { name: secure-tls, namespace: edge }
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from('-----BEGIN CERTIFICATE-----\nchain\n-----END CERTIFICATE-----\n').toString('base64')}
  tls.key: ${Buffer.from('-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n').toString('base64')}
`;

function router(overrides: Partial<ProxyIdentity> = {}): ProxyIdentity {
  return proxy({
    id: 'router~127.0.9.1~ingress-0.edge~edge.svc.cluster.local', name: 'ingress-0', namespace: 'edge',
    labels: GATEWAY_LABELS, instanceIp: '127.0.9.1', interceptionMode: 'NONE', proxyType: 'router', ...overrides,
  });
}

function gatewayResources(extra = `${GATEWAY}---${SECRET}`, identity = router()): ProxyResources {
  return generateProxyResources(loadPushContext(BOOKINFO, extra), identity);
}

describe('router identity', () => {
  test.each([
    ['router~10.1.2.3~ingress-abc.edge~edge.svc.cluster.local', 'router'],
    ['sidecar~10.1.2.3~reviews-1.bookinfo~bookinfo.svc.cluster.local', 'sidecar'],
  ])('GIVEN node id %s WHEN parsed THEN the proxy type is %s', (id, proxyType) => {
    expect(parseProxyIdentity({ id }).proxyType).toBe(proxyType);
  });
});

describe('gateway routing, simulated', () => {
  test.each([
    ['a path prefix to one version', 'shop.example.com', '/reviews/1', 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local'],
    ['the catch-all prefix', 'shop.example.com', '/', 'outbound|9080||productpage.bookinfo.svc.cluster.local'],
    ['a host with the port in it', 'shop.example.com:80', '/x', 'outbound|9080||productpage.bookinfo.svc.cluster.local'],
    ['a wildcard server host narrowed by a VirtualService bound by bare name (single-port destination)', 'app.legacy.example.com', '/', 'outbound|9080||ratings.bookinfo.svc.cluster.local'],
  ])('GIVEN a Gateway on port 80 WHEN a request for %s arrives THEN it reaches the expected cluster', (_, host, path, cluster) => {
    const outcome = simulate(gatewayResources(), { host, port: 8080, path });
    expect(outcome.listener).toBe('127.0.9.1_8080');
    expect(outcome.routeConfig).toBe('http.8080');
    expect(outcome.cluster).toBe(cluster);
  });

  test.each([
    ['a host no server admits', 'internal.example.com'],
    ['a server host no VirtualService routes', 'other.legacy.example.com'],
  ])('GIVEN a Gateway WHEN a request names %s THEN no virtual host takes it (Envoy answers 404)', (_, host) => {
    expect(() => simulate(gatewayResources(), { host, port: 8080 })).toThrow(/no virtual host/);
  });

  test('GIVEN a router whose labels no Gateway selects WHEN generated THEN it has no listeners', () => {
    const resources = gatewayResources(undefined, router({ labels: { app: 'other' } }));
    expect(resourcesOf(resources, TYPE_URLS.listener)).toEqual([]);
  });

  test('GIVEN the destinations of the bound VirtualServices WHEN clusters are generated THEN subset clusters exist with endpoints', () => {
    const resources = gatewayResources();
    const clusters = resourcesOf(resources, TYPE_URLS.cluster).map((cluster) => cluster.name);
    expect(clusters).toEqual(expect.arrayContaining(['outbound|9080|v2|reviews.bookinfo.svc.cluster.local', 'outbound|9080||productpage.bookinfo.svc.cluster.local']));
    const endpoints = findResource(resources, TYPE_URLS.endpoint, 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local');
    expect(endpoints.endpoints.flatMap((group: any) => group.lb_endpoints)).toHaveLength(1);
  });

  test.each([
    ['REDIRECT (in a cluster)', '0.0.0.0', { interceptionMode: 'REDIRECT' as const }],
    ['NONE (on its own address)', '127.0.9.1', {}],
  ])('GIVEN a router in %s mode WHEN listeners are generated THEN they bind %s on the Service target port', (_, bind, overrides) => {
    const listener = findResource(gatewayResources(undefined, router(overrides)), TYPE_URLS.listener, `${bind}_8080`);
    expect(listener.address.socket_address).toEqual({ address: bind, port_value: 8080 });
  });

  test('GIVEN a Gateway without a Service for the router WHEN listeners are generated THEN they use the server port itself', () => {
    const withoutService = `${GATEWAY.split('---').slice(1).join('---')}---${SECRET}`;
    const names = resourcesOf(gatewayResources(withoutService), TYPE_URLS.listener).map((listener) => listener.name);
    expect(names).toEqual(['127.0.9.1_443', '127.0.9.1_80']);
  });

  test('GIVEN an HTTP server with httpsRedirect WHEN a plaintext request arrives THEN its virtual host requires TLS', () => {
    const redirecting = GATEWAY.replace('hosts: [shop.example.com, "*.legacy.example.com"]', 'hosts: [shop.example.com, "*.legacy.example.com"]\n    tls: { httpsRedirect: true }');
    const outcome = simulate(gatewayResources(`${redirecting}---${SECRET}`), { host: 'shop.example.com', port: 8080 });
    expect(outcome.virtualHost).toBe('shop.example.com:80');
    const routeConfig = findResource(gatewayResources(`${redirecting}---${SECRET}`), TYPE_URLS.route, 'http.8080');
    expect(routeConfig.virtual_hosts.every((virtualHost: any) => virtualHost.require_tls === 'ALL')).toBe(true);
  });
});

describe('gateway TLS termination', () => {
  const httpsRoute = 'https.443.https-443.ingress.edge';

  test('GIVEN an HTTPS server with a credential Secret WHEN generated THEN the chain matches its SNI and fetches the certificate over SDS', () => {
    const resources = gatewayResources();
    const listener = findResource(resources, TYPE_URLS.listener, '127.0.9.1_8443');
    const [chain] = listener.filter_chains;
    expect(chain.filter_chain_match).toEqual({ server_names: ['secure.example.com'] });
    expect(chain.transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs)
      .toEqual([{ name: 'kubernetes://secure-tls', sds_config: { ads: {}, resource_api_version: 'V3' } }]);
    expect(listener.listener_filters.map((filter: any) => filter.name)).toEqual(['envoy.filters.listener.tls_inspector']);
    expect(simulate(resources, { host: 'secure.example.com', port: 8443 })).toMatchObject({ routeConfig: httpsRoute, cluster: 'outbound|9080||details.bookinfo.svc.cluster.local' });
  });

  test('GIVEN the credential Secret WHEN secrets are generated THEN the router gets its decoded certificate and key under the SDS name', () => {
    const secret = findResource(gatewayResources(), TYPE_URLS.secret, 'kubernetes://secure-tls');
    expect(secret.tls_certificate.certificate_chain.inline_string).toContain('chain');
    expect(secret.tls_certificate.private_key.inline_string).toContain('key');
  });

  test('GIVEN the credential Secret is missing WHEN generated THEN the HTTPS listener is left out and plaintext still serves', () => {
    const resources = gatewayResources(GATEWAY);
    expect(resourcesOf(resources, TYPE_URLS.listener).map((listener) => listener.name)).toEqual(['127.0.9.1_8080']);
    expect(resourcesOf(resources, TYPE_URLS.secret).map((secret) => secret.name)).not.toContain('kubernetes://secure-tls');
  });

  test.each([
    ['a Secret without tls.key', SECRET.replace(/ {2}tls\.key: .*\n/, ''), /Secret edge\/secure-tls has no 'tls.key' in data or stringData/],
    ['HTTP and HTTPS on one port', `${GATEWAY.replace('number: 443', 'number: 80')}---${SECRET}`, /put HTTP and HTTPS on port 80/],
  ])('GIVEN %s WHEN generated THEN the error names the object and the fix', (_, extra, message) => {
    const yaml = extra.includes('kind: Gateway') ? extra : `${GATEWAY}---${extra}`;
    expect(() => gatewayResources(yaml)).toThrow(message);
  });

  test.each([
    ['a PASSTHROUGH server', 'mode: SIMPLE', 'mode: PASSTHROUGH'],
    ['a MUTUAL server', 'mode: SIMPLE', 'mode: MUTUAL'],
    ['a TCP server', 'protocol: HTTPS', 'protocol: TCP'],
  ])('GIVEN %s on 443 WHEN generated THEN it gets no listener and the HTTP server still serves', (_, from, to) => {
    const resources = gatewayResources(`${GATEWAY.replace(from, to)}---${SECRET}`);
    expect(resourcesOf(resources, TYPE_URLS.listener).map((listener) => listener.name)).toEqual(['127.0.9.1_8080']);
    expect(simulate(resources, { host: 'shop.example.com', port: 8080, path: '/reviews' }).cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local');
  });

  test('GIVEN a RequestAuthentication and an AuthorizationPolicy selecting the router WHEN generated THEN its connection managers verify tokens and enforce the policy before routing', async () => {
    const policies = `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: edge-jwt, namespace: edge }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  jwtRules: [{ issuer: https://issuer.example.com, jwksUri: https://keys.example.com:8443/jwks.json }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: edge-deny, namespace: edge }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  action: DENY
  rules: [{ to: [{ operation: { paths: [/admin*] } }] }]
`;
    const ca = await loadCertificateAuthority(await createRootCa('cluster.local'), 'test root');
    const extensions = createSecurityExtensions({ rootCertificatePem: ca.certificatePem, certificates: new WorkloadCertificateCache(ca) });
    const resources = generateProxyResources(loadPushContext(BOOKINFO, `${GATEWAY}---${SECRET}---${policies}`), router(), extensions);
    const filterNames = (listener: any) => listener.filter_chains.map((chain: any) => chain.filters[0].typed_config.http_filters.map((filter: any) => filter.name));

    for (const listener of resourcesOf(resources, TYPE_URLS.listener)) {
      for (const names of filterNames(listener)) {
        expect(names.slice(0, 2)).toEqual(['envoy.filters.http.jwt_authn', 'envoy.filters.http.rbac']);
        expect(names.at(-1)).toBe('envoy.filters.http.router');
      }
    }
    // The issuer's keys are fetched through a cluster of their own.
    expect(resourcesOf(resources, TYPE_URLS.cluster).map((cluster) => cluster.name).filter((name) => name.includes('keys.example.com'))).toHaveLength(1);
    expect(resourcesOf(generateProxyResources(loadPushContext(BOOKINFO, `${GATEWAY}---${SECRET}`), router(), extensions), TYPE_URLS.listener)
      .flatMap(filterNames).flat()).not.toContain('envoy.filters.http.rbac');
  });

  test('GIVEN a full gateway config WHEN every resource is encoded THEN the strict codec accepts them', () => {
    for (const [typeUrl, list] of gatewayResources()) {
      for (const resource of list) {
        expect(() => encodeResourceBytes(typeUrl, resource)).not.toThrow();
      }
    }
  });
});
