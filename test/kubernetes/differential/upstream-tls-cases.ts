/**
 * DestinationRules that have the caller's sidecar originate TLS to a server outside the mesh
 * (a ServiceEntry whose port 9080 maps to the server's 9443): SIMPLE verified against the upstream
 * CA, with the SNI and certificate name taken from the request's host or given; against another
 * CA, or a name the certificate does not carry (refused); with `insecureSkipVerify`; MUTUAL
 * presenting the client certificate, and SIMPLE to the server that requires one (refused).
 * istiod's sidecars get the files through their agent's SDS, the reconciler's read them directly.
 */
import type { IdentityCase } from './identity-cases';
import { IDENTITY_NAMESPACE } from './identity-mesh';
import { SERVICE_PORT } from './mesh-under-test';
import { TLS_UPSTREAM_ADDRESSES, TLS_UPSTREAM_HOST, TLS_UPSTREAM_PORT, TlsFiles, TlsUpstreamKind } from './tls-upstreams';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

function upstreamEntry(kind: TlsUpstreamKind): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'tls-upstream', namespace: IDENTITY_NAMESPACE },
    spec: {
      hosts: [TLS_UPSTREAM_HOST],
      location: 'MESH_EXTERNAL',
      ports: [{ number: SERVICE_PORT, name: 'http', protocol: 'HTTP', targetPort: TLS_UPSTREAM_PORT }],
      resolution: 'STATIC',
      endpoints: [{ address: TLS_UPSTREAM_ADDRESSES[kind] }],
    },
  };
}

function tlsRule(tls: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'tls-upstream', namespace: IDENTITY_NAMESPACE },
    spec: { host: TLS_UPSTREAM_HOST, trafficPolicy: { tls } },
  };
}

const requests = [
  { name: 'client GET /', from: 'client' as const, path: '/', authority: TLS_UPSTREAM_HOST },
  { name: 'client GET /orders/7', from: 'client' as const, path: '/orders/7', authority: TLS_UPSTREAM_HOST },
];

export function upstreamTlsCases(files: TlsFiles): IdentityCase[] {
  const mutual = { mode: 'MUTUAL', caCertificates: files.ca, clientCertificate: files.clientCertificate, privateKey: files.clientKey };
  const cases: [string, string, TlsUpstreamKind, Record<string, unknown>][] = [
    ['tls-simple', 'SIMPLE verified against the upstream CA, SNI and name from the host', 'simple', { mode: 'SIMPLE', caCertificates: files.ca }],
    ['tls-simple-sni-and-san', 'SIMPLE with the SNI and subject alternative name given', 'simple',
      { mode: 'SIMPLE', caCertificates: files.ca, sni: TLS_UPSTREAM_HOST, subjectAltNames: [TLS_UPSTREAM_HOST] }],
    ['tls-simple-other-ca', 'SIMPLE verified against a CA that did not sign the server: refused', 'simple', { mode: 'SIMPLE', caCertificates: files.otherCa }],
    ['tls-simple-wrong-san', 'SIMPLE expecting a name the server certificate does not carry: refused', 'simple',
      { mode: 'SIMPLE', caCertificates: files.ca, subjectAltNames: ['other.example.com'] }],
    ['tls-simple-insecure', 'SIMPLE with insecureSkipVerify against the other CA: accepted', 'simple',
      { mode: 'SIMPLE', caCertificates: files.otherCa, insecureSkipVerify: true }],
    ['tls-mutual', 'MUTUAL presenting the client certificate to the server that requires one', 'mutual', mutual],
    ['tls-simple-to-mutual-server', 'SIMPLE to the server that requires a client certificate: refused', 'mutual', { mode: 'SIMPLE', caCertificates: files.ca }],
  ];
  return cases.map(([id, description, kind, tls]) => ({ id: `dr-${id}`, description, objects: [upstreamEntry(kind), tlsRule(tls)], requests }));
}
