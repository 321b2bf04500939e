import { TYPE_URLS } from '../../src/push/contract';
import { createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { WorkloadCertificateCache } from '../../src/security/workload-cert-cache';
import { encodeResourceBytes } from '../../src/xds/codec';
import { generateProxyResources } from '../../src/xds/generators';
import { createSecurityExtensions } from '../../src/xds/translate/security/extensions';
import { loadPushContext, productpageProxy } from '../generators/fixture-loader';

const SECURITY_YAML = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: bookinfo }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: productpage-viewers, namespace: bookinfo }
spec:
  selector: { matchLabels: { app: productpage } }
  rules: [{ to: [{ operation: { methods: [GET] } }] }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: bookinfo }
spec: { host: ratings.bookinfo.svc.cluster.local, trafficPolicy: { tls: { mode: ISTIO_MUTUAL } } }
`;

const REMOTE_JWKS_YAML = `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: issuer, namespace: bookinfo }
spec:
  selector: { matchLabels: { app: productpage } }
  jwtRules: [{ issuer: https://issuer.example.com, jwksUri: https://keys.example.com:8443/jwks.json }]
`;

async function generate(extraYaml = '') {
  const ca = await loadCertificateAuthority(await createRootCa('cluster.local'), 'test root');
  const certificates = new WorkloadCertificateCache(ca);
  const proxy = productpageProxy();
  await certificates.get({ namespace: proxy.namespace, serviceAccount: proxy.serviceAccount });
  const push = loadPushContext(['bookinfo-services.yaml'], `${SECURITY_YAML}---${extraYaml}`);
  const resources = generateProxyResources(push, proxy, createSecurityExtensions({ rootCertificatePem: ca.certificatePem, certificates }));
  const byName = (typeUrl: string, name: string) => resources.get(typeUrl as never)?.find((resource) => resource.name === name)?.resource as any;
  return { resources, byName };
}

describe('security hooked into the generators', () => {
  test('GIVEN a STRICT namespace and an ALLOW policy WHEN productpage\'s config is generated THEN its inbound port takes only mTLS and runs RBAC', async () => {
    const { resources } = await generate();
    const chains = (resources.get(TYPE_URLS.listener) ?? []).flatMap((listener: any) => (listener.resource.filter_chains ?? []) as any[])
      .filter((chain) => chain.filter_chain_match?.destination_port === 9080);

    expect(chains.map((chain) => chain.filter_chain_match.transport_protocol)).toEqual(['tls']);
    expect(chains[0].transport_socket.typed_config.require_client_certificate).toBe(true);
    expect(JSON.stringify(chains[0].filters)).toContain('"envoy.filters.http.rbac"');
  });

  test('GIVEN ISTIO_MUTUAL to ratings and no rule for reviews WHEN clusters are generated THEN only ratings uses mesh mTLS', async () => {
    const { byName } = await generate();

    const ratings = byName(TYPE_URLS.cluster, 'outbound|9080||ratings.bookinfo.svc.cluster.local');
    const reviews = byName(TYPE_URLS.cluster, 'outbound|9080||reviews.bookinfo.svc.cluster.local');
    expect(ratings.transport_socket.typed_config.sni).toBe('outbound_.9080_._.ratings.bookinfo.svc.cluster.local');
    expect(reviews.transport_socket).toBeUndefined();
  });

  test('GIVEN an issued certificate WHEN secrets are generated THEN the proxy gets its identity and the root, and every resource encodes', async () => {
    const { resources } = await generate();

    expect((resources.get(TYPE_URLS.secret) ?? []).map((secret) => secret.name)).toEqual(['default', 'ROOTCA']);
    for (const [typeUrl, list] of resources) {
      for (const resource of list) expect(() => encodeResourceBytes(typeUrl, resource)).not.toThrow();
    }
  });

  test('GIVEN a RequestAuthentication with a jwksUri WHEN clusters are generated THEN the JWKS cluster the filter names is delivered over CDS', async () => {
    const { resources, byName } = await generate(REMOTE_JWKS_YAML);

    const filters = JSON.stringify(resources.get(TYPE_URLS.listener)?.map((listener) => listener.resource));
    const fetchedThrough = /"remote_jwks":\{"http_uri":\{"uri":"[^"]+","cluster":"([^"]+)"/.exec(filters)?.[1];
    expect(fetchedThrough).toBeDefined();
    const cluster = byName(TYPE_URLS.cluster, fetchedThrough!);
    expect(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: 'keys.example.com', port_value: 8443 });
  });

  test('GIVEN an inbound HTTP port WHEN its connection manager is generated THEN the peer identity is appended to what the peer forwarded, with subject, URI and DNS', async () => {
    const { resources } = await generate();

    const managers = (resources.get(TYPE_URLS.listener) ?? []).flatMap((listener: any) => (listener.resource.filter_chains ?? []) as any[])
      .filter((chain) => chain.filter_chain_match?.destination_port === 9080)
      .map((chain) => chain.filters[0].typed_config);
    expect(managers.length).toBeGreaterThan(0);
    for (const manager of managers) {
      expect(manager).toMatchObject({ forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: { subject: true, uri: true, dns: true } });
    }
  });
});

describe('TLS a DestinationRule asks the sidecar to originate', () => {
  const rule = (name: string, host: string, trafficPolicy: string) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${name}, namespace: bookinfo }
spec: { host: ${host}, trafficPolicy: ${trafficPolicy} }
`;
  const DETAILS = 'details.bookinfo.svc.cluster.local';

  test('GIVEN SIMPLE with a CA, SNI and SANs WHEN the cluster is generated THEN the server is verified against them, and the cluster encodes', async () => {
    const { byName } = await generate(rule('details-tls', DETAILS,
      '{ tls: { mode: SIMPLE, caCertificates: /etc/certs/ca.pem, sni: details.example.com, subjectAltNames: [details.example.com, "spiffe://example.com/details", 10.0.0.9] } }'));
    const cluster = byName(TYPE_URLS.cluster, `outbound|9080||${DETAILS}`);
    expect(cluster.transport_socket.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: 'details.example.com',
      common_tls_context: {
        validation_context: {
          trusted_ca: { filename: '/etc/certs/ca.pem' },
          match_typed_subject_alt_names: [
            { san_type: 'DNS', matcher: { exact: 'details.example.com' } },
            { san_type: 'URI', matcher: { exact: 'spiffe://example.com/details' } },
            { san_type: 'IP_ADDRESS', matcher: { exact: '10.0.0.9' } },
          ],
        },
      },
    });
    // The SNI is given: nothing is taken from the request's host.
    expect(cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].upstream_http_protocol_options).toBeUndefined();
    expect(() => encodeResourceBytes(TYPE_URLS.cluster, { name: cluster.name, resource: cluster })).not.toThrow();
  });

  test('GIVEN SIMPLE without CA, SNI or SANs WHEN generated THEN the public bundle verifies the server and SNI and name come from the request\'s host', async () => {
    const { byName } = await generate(rule('details-tls', DETAILS, '{ tls: { mode: SIMPLE } }'));
    const cluster = byName(TYPE_URLS.cluster, `outbound|9080||${DETAILS}`);
    expect(cluster.transport_socket.typed_config.common_tls_context).toEqual({ validation_context: { trusted_ca: { filename: '/etc/ssl/certs/ca-certificates.crt' } } });
    expect(cluster.transport_socket.typed_config.sni).toBeUndefined();
    expect(cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].upstream_http_protocol_options)
      .toEqual({ auto_sni: true, auto_san_validation: true });
  });

  test('GIVEN MUTUAL with files, insecureSkipVerify and HTTP/2 on one port WHEN generated THEN that port presents the client certificate, verifies nothing and offers h2', async () => {
    const { byName } = await generate(rule('details-tls', DETAILS, `{ portLevelSettings: [{ port: { number: 9080 },
      connectionPool: { http: { h2UpgradePolicy: UPGRADE } },
      tls: { mode: MUTUAL, clientCertificate: /etc/certs/client.pem, privateKey: /etc/certs/client-key.pem, insecureSkipVerify: true } }] }`));
    const cluster = byName(TYPE_URLS.cluster, `outbound|9080||${DETAILS}`);
    expect(cluster.transport_socket.typed_config.common_tls_context).toEqual({
      tls_certificates: [{ certificate_chain: { filename: '/etc/certs/client.pem' }, private_key: { filename: '/etc/certs/client-key.pem' } }],
      alpn_protocols: ['h2'],
    });
    expect(cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].upstream_http_protocol_options).toEqual({ auto_sni: true });
    expect(() => encodeResourceBytes(TYPE_URLS.cluster, { name: cluster.name, resource: cluster })).not.toThrow();
  });

  test('GIVEN a subset with SIMPLE WHEN generated THEN only that subset\'s cluster originates TLS', async () => {
    const { byName } = await generate(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews-tls, namespace: bookinfo }
spec:
  host: reviews.bookinfo.svc.cluster.local
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 }, trafficPolicy: { tls: { mode: SIMPLE, sni: reviews.example.com } } }
`);
    expect(byName(TYPE_URLS.cluster, 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local').transport_socket).toBeUndefined();
    expect(byName(TYPE_URLS.cluster, 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local').transport_socket.typed_config.sni).toBe('reviews.example.com');
  });
});

describe('auto-mTLS to pods behind EndpointSlices', () => {
  const helloYaml = (podLabels: string) => `
apiVersion: v1
kind: Service
metadata: { name: hello, namespace: backend }
spec: { selector: { app: hello }, ports: [{ name: http, port: 9080, targetPort: 9080 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: hello-1, namespace: backend, labels: { app: hello, version: v1${podLabels} } }
spec: { serviceAccountName: hello, containers: [{ name: hello, image: example/hello, ports: [{ containerPort: 9080 }] }] }
status: { podIP: 198.18.1.5 }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: hello-abc, namespace: backend, labels: { kubernetes.io/service-name: hello } }
addressType: IPv4
endpoints: [{ addresses: [198.18.1.5], conditions: { ready: true }, targetRef: { kind: Pod, name: hello-1, namespace: backend } }]
ports: [{ name: http, port: 9080, protocol: TCP }]
`;
  async function helloCluster(podLabels: string, extraYaml = '') {
    const ca = await loadCertificateAuthority(await createRootCa('cluster.local'), 'test root');
    const push = loadPushContext([], `${helloYaml(podLabels)}${extraYaml ? `---\n${extraYaml}` : ''}`);
    const resources = generateProxyResources(push, productpageProxy(), createSecurityExtensions({ rootCertificatePem: ca.certificatePem, certificates: new WorkloadCertificateCache(ca) }));
    return resources.get(TYPE_URLS.cluster)?.find((resource) => resource.name === 'outbound|9080||hello.backend.svc.cluster.local')?.resource as any;
  }

  test('GIVEN an injected pod listed by an EndpointSlice WHEN the caller\'s clusters are generated THEN the cluster uses mesh mTLS, verifying the pod\'s identity', async () => {
    const cluster = await helloCluster(', security.istio.io/tlsMode: istio');
    expect(cluster.transport_socket.typed_config.sni).toBe('outbound_.9080_._.hello.backend.svc.cluster.local');
    expect(JSON.stringify(cluster.transport_socket)).toContain('spiffe://cluster.local/ns/backend/sa/hello');
  });

  test('GIVEN an uninjected pod behind the slice WHEN generated THEN the cluster stays plaintext', async () => {
    expect((await helloCluster('')).transport_socket).toBeUndefined();
  });

  const INJECTED = ', security.istio.io/tlsMode: istio';
  test('GIVEN an injected pod whose namespace DISABLEs mTLS WHEN the caller\'s clusters are generated THEN the cluster is plaintext (the server takes no mTLS)', async () => {
    const disable = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: default, namespace: backend }\nspec: { mtls: { mode: DISABLE } }\n';
    expect((await helloCluster(INJECTED, disable)).transport_socket).toBeUndefined();
  });

  test('GIVEN an injected pod and a DestinationRule with tls DISABLE WHEN generated THEN the cluster is plaintext (the rule wins over auto-mTLS)', async () => {
    const rule = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: hello, namespace: backend }\nspec: { host: hello.backend.svc.cluster.local, trafficPolicy: { tls: { mode: DISABLE } } }\n';
    expect((await helloCluster(INJECTED, rule)).transport_socket).toBeUndefined();
  });
});
