/**
 * Real Envoy enforcing the generated security config: an inbound sidecar with a STRICT and a
 * PERMISSIVE port, RBAC and JWT filters, in front of an echo server; clients present workload
 * certificates issued by the mesh CA.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { CertificateAuthority, createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { WorkloadCertificate, issueWorkloadCertificate } from '../../src/security/workload-certs';
import { translateRequestAuthentication } from '../../src/xds/translate/security/jwt';
import { INBOUND_CLIENT_CERT_HCM_FIELDS, inboundFilterChains } from '../../src/xds/translate/security/mtls';
import { translateAuthorizationPolicies } from '../../src/xds/translate/security/rbac';
import { identitySecret, rootCaSecret } from '../../src/xds/translate/security/sds';
import { RunningEnvoy, startEnvoy } from './envoy-process';
import { ROOT_NAMESPACE, authorizationPolicy, requestAuthentication, withStaticSecrets, withoutType } from './fixtures';
import { JWKS, signJwt } from './jwt-signer';

const ISSUER = 'https://issuer.test';
const SERVER_ID = 'spiffe://cluster.local/ns/shop/sa/cart';
const WORKLOAD = { namespace: 'shop', labels: { app: 'cart' } };
// A random 127/8 address keeps fixed ports clear of other tests running in parallel.
const ADDRESS = `127.61.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
const PORTS = { admin: 18200, strict: 18201, permissive: 18202 };

type Client = 'plaintext' | 'tls-without-certificate' | WorkloadCertificate;
interface Reply { status: number; xfcc: string | null }

let ca: CertificateAuthority;
let frontend: WorkloadCertificate;
let intruder: WorkloadCertificate;
let echo: http.Server;
let envoy: RunningEnvoy | undefined;

function httpConnectionManager(httpFilters: unknown[]): Record<string, unknown> {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      'stat_prefix': 'inbound',
      ...INBOUND_CLIENT_CERT_HCM_FIELDS,
      'route_config': { virtual_hosts: [{ name: 'app', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'app' } }] }] },
      'http_filters': [...httpFilters, { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    },
  };
}

function sidecarConfig(echoPort: number, serverCertificate: WorkloadCertificate): unknown {
  const jwt = translateRequestAuthentication([requestAuthentication('shop', 'issuer', { jwtRules: [{ issuer: ISSUER, jwks: JWKS }] })], WORKLOAD, ROOT_NAMESPACE);
  const rbac = translateAuthorizationPolicies([
    authorizationPolicy('shop', 'allow', {
      rules: [
        { from: [{ source: { principals: ['cluster.local/ns/web/sa/frontend'] } }], to: [{ operation: { notPaths: ['/jwt*'] } }] },
        { from: [{ source: { requestPrincipals: [`${ISSUER}/*`] } }], to: [{ operation: { paths: ['/jwt*'] } }] },
      ],
    }),
    authorizationPolicy('shop', 'deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] }),
  ], WORKLOAD, { rootNamespace: ROOT_NAMESPACE, trustDomain: 'cluster.local' });
  const listener = (name: string, port: number, mode: 'STRICT' | 'PERMISSIVE', filters: unknown[]) => ({
    name,
    address: { socket_address: { address: ADDRESS, port_value: port } },
    ...inboundFilterChains({ mode, name, networkFilters: [httpConnectionManager(filters)] }),
  });
  return withStaticSecrets({
    admin: { address: { socket_address: { address: ADDRESS, port_value: PORTS.admin } } },
    static_resources: {
      listeners: [
        listener('strict', PORTS.strict, 'STRICT', [jwt.httpFilter, ...rbac]),
        listener('permissive', PORTS.permissive, 'PERMISSIVE', []),
      ],
      clusters: [{
        name: 'app', type: 'STATIC', connect_timeout: '1s',
        load_assignment: { cluster_name: 'app', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: echoPort } } } }] }] },
      }],
      secrets: [identitySecret(serverCertificate), rootCaSecret(ca.certificatePem)].map((secret) => withoutType(secret.resource)),
    },
  });
}

function send(port: number, path: string, client: Client, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const common = { host: ADDRESS, port, path, headers, agent: false as const, timeout: 5000 };
    const onResponse = (response: http.IncomingMessage) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, xfcc: response.statusCode === 200 ? JSON.parse(body).xfcc : null }));
    };
    const request = client === 'plaintext'
      ? http.request(common, onResponse)
      : https.request({
        ...common,
        ca: ca.certificatePem,
        ...(client === 'tls-without-certificate' ? {} : { cert: client.certificateChainPem, key: client.privateKeyPem }),
        // The server is identified by its SPIFFE URI SAN, not a host name.
        checkServerIdentity: (_host, certificate) => (certificate.subjectaltname === `URI:${SERVER_ID}` ? undefined : new Error(`unexpected server identity ${certificate.subjectaltname}`)),
      }, onResponse);
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });
}

beforeAll(async () => {
  ca = await loadCertificateAuthority(await createRootCa('cluster.local'), 'test root');
  const server = await issueWorkloadCertificate(ca, { namespace: 'shop', serviceAccount: 'cart' });
  frontend = await issueWorkloadCertificate(ca, { namespace: 'web', serviceAccount: 'frontend' });
  intruder = await issueWorkloadCertificate(ca, { namespace: 'web', serviceAccount: 'intruder' });
  echo = http.createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ xfcc: request.headers['x-forwarded-client-cert'] ?? null }));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  envoy = await startEnvoy(sidecarConfig((echo.address() as AddressInfo).port, server), { address: ADDRESS, port: PORTS.admin });
});

afterAll(async () => {
  await envoy?.stop();
  await new Promise((resolve) => echo?.close(resolve));
});

describe('STRICT port with RBAC and JWT', () => {
  const validToken = () => `Bearer ${signJwt({ iss: ISSUER, sub: 'alice' })}`;
  const tamperedToken = () => `Bearer ${signJwt({ iss: ISSUER, sub: 'alice' }).slice(0, -4)}AAAA`;
  const expiredToken = () => `Bearer ${signJwt({ iss: ISSUER, sub: 'alice', exp: Math.floor(Date.now() / 1000) - 600 })}`;

  test.each<{ case: string; client: () => Client; path: string; token?: () => string; status: number }>([
    { case: 'the allowed principal', client: () => frontend, path: '/ok', status: 200 },
    { case: 'the allowed principal on a denied path', client: () => frontend, path: '/admin/users', status: 403 },
    { case: 'another mesh identity', client: () => intruder, path: '/ok', status: 403 },
    { case: 'a valid token', client: () => intruder, path: '/jwt/data', token: validToken, status: 200 },
    { case: 'no token where a request principal is required', client: () => intruder, path: '/jwt/data', status: 403 },
    { case: 'a token with a bad signature', client: () => intruder, path: '/jwt/data', token: tamperedToken, status: 401 },
    { case: 'an expired token', client: () => frontend, path: '/jwt/data', token: expiredToken, status: 401 },
  ])('GIVEN $case WHEN requesting $path THEN the status is $status', async ({ client, path, token, status }) => {
    const reply = await send(PORTS.strict, path, client(), token ? { authorization: token() } : {});
    expect(reply.status).toBe(status);
  });

  test('GIVEN an mTLS request WHEN it reaches the app THEN x-forwarded-client-cert carries the client SPIFFE id', async () => {
    const reply = await send(PORTS.strict, '/ok', frontend);
    expect(reply.xfcc).toContain('URI=spiffe://cluster.local/ns/web/sa/frontend');
  });

  test('GIVEN an mTLS request carrying a forwarded client cert WHEN it reaches the app THEN the verified peer is appended after it, with its subject, as Istio\'s sidecars do', async () => {
    const forwarded = 'By=spiffe://cluster.local/ns/web/sa/gateway;URI=spiffe://cluster.local/ns/edge/sa/caller';
    const reply = await send(PORTS.strict, '/ok', frontend, { 'x-forwarded-client-cert': forwarded });
    const [first, second] = reply.xfcc!.split(',');
    expect(first).toBe(forwarded);
    expect(second).toMatch(/^By=spiffe:\/\/[^;]+;Hash=[0-9a-f]+;Subject="[^"]*";URI=spiffe:\/\/cluster\.local\/ns\/web\/sa\/frontend$/);
  });

  test.each<{ client: Client }>([{ client: 'plaintext' }, { client: 'tls-without-certificate' }])('GIVEN a $client client WHEN connecting THEN the connection is refused', async ({ client }) => {
    await expect(send(PORTS.strict, '/ok', client)).rejects.toThrow();
  });
});

describe('PERMISSIVE port', () => {
  test('GIVEN a plaintext request with a forged client cert header WHEN served THEN it succeeds and the header is removed', async () => {
    const reply = await send(PORTS.permissive, '/ok', 'plaintext', { 'x-forwarded-client-cert': 'URI=spiffe://cluster.local/ns/web/sa/frontend' });
    expect(reply).toEqual({ status: 200, xfcc: null });
  });

  test('GIVEN an mTLS request WHEN served THEN the app sees the verified client identity', async () => {
    const reply = await send(PORTS.permissive, '/ok', intruder);
    expect(reply.status).toBe(200);
    expect(reply.xfcc).toContain('URI=spiffe://cluster.local/ns/web/sa/intruder');
  });
});
