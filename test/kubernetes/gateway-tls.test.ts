/**
 * Scenario 6: an IngressGateway HTTPS server whose certificate is a `kubernetes.io/tls` Secret
 * created in the cluster. On the two-namespace mesh plus a gateway (one pod in `mesh-system`)
 * routing `secure.example.com` to hello:
 * 1. the Secret created after the gateway runs reaches its Envoy through the reconciler's watch,
 *    and a client verifying the certificate against the Secret's CA reaches hello through it,
 * 2. replacing the Secret (a certificate from another CA) rotates what the gateway serves.
 * The tests run in order: 2 replaces the Secret 1 created.
 */
import * as https from 'https';
import type * as tls from 'tls';
import type { Cluster } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { MESH_NAMESPACE, startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';
import { GatewayServiceType, IngressGateway } from '../../src';
import { createGatewayCredential, GatewayCredential } from '../e2e/support/gateway-credentials';

const HOST = 'secure.example.com';
const CREDENTIAL = 'secure-tls';
/** The gateway's Envoy listens on the server port + 8000 (its Service maps 443 → 8443). */
const HTTPS_LISTEN_PORT = 8443;
const GATEWAY_IDENTITY = `spiffe://cluster.local/ns/${MESH_NAMESPACE}/sa/ingress-gateway`;

let cluster: Cluster;
let hello: Pod;
let gateway: Pod;

interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
  /** The SHA-256 fingerprint of the certificate the gateway presented. */
  readonly fingerprint: string;
}

/** GET https://secure.example.com<path> at the gateway pod, trusting only `caPem` and checking the name. */
function gatewayGet(path: string, caPem: string): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.get({
      host: gateway.status!.podIP!,
      port: HTTPS_LISTEN_PORT,
      path,
      servername: HOST,
      headers: { host: HOST },
      ca: caPem,
      timeout: 10_000,
      agent: false,
    }, (response) => {
      const fingerprint = (response.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, fingerprint }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} at the gateway timed out`)));
    request.on('error', reject);
  });
}

/** Creates or replaces the credential Secret with `credential`'s certificate. */
async function applyCredential(credential: GatewayCredential): Promise<void> {
  await cluster.apply(JSON.stringify(credential.secret));
}

/** Polls until a call verified with `credential`'s CA gets an answer from the gateway. */
function waitForServedCredential(credential: GatewayCredential): Promise<HttpsAnswer> {
  // Until the gateway holds the certificate, the handshake fails (no listener or an unverifiable certificate).
  return cluster.waitFor(`the gateway to serve a certificate of the ${CREDENTIAL} Secret's CA`, () => gatewayGet('/secure', credential.caPem), 60_000, 500);
}

beforeAll(async () => {
  const yaml = synthesizeTwoNamespaceMesh((chart, mesh, helloService) => {
    const ingress = new IngressGateway(chart, 'Ingress', { mesh, replicas: 1, serviceType: GatewayServiceType.CLUSTER_IP });
    ingress.addHttpsServer({ hosts: [HOST], credentialName: CREDENTIAL });
    ingress.addRoute(HOST, '/', helloService);
  });
  ({ cluster, hello } = await startTwoNamespaceMesh('gateway-tls', yaml));
  // The gateway pod runs before its Secret exists: Ready or not, it is what the tests call.
  [gateway] = await cluster.waitForPods(MESH_NAMESPACE, 'app=ingress-gateway', { ready: false, timeoutMs: 120_000 });
  await cluster.waitFor('the gateway pod to have an address', async () => {
    [gateway] = await cluster.pods(MESH_NAMESPACE, 'app=ingress-gateway');
    return gateway.status?.podIP;
  });
}, 420_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('gateway TLS from a Kubernetes Secret', () => {
  let first: GatewayCredential;

  test('GIVEN the gateway running WHEN a kubernetes.io/tls Secret named by its HTTPS server is created THEN a client verifying the certificate reaches hello through the gateway', async () => {
    first = await createGatewayCredential(CREDENTIAL, MESH_NAMESPACE, [HOST]);
    // Before the Secret exists the gateway has no HTTPS listener to answer with.
    await expect(gatewayGet('/secure', first.caPem)).rejects.toThrow(/ECONNREFUSED/);
    await applyCredential(first);

    const answer = await waitForServedCredential(first);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as { service: string; pod: string; caller?: string; host: string };
    // hello answered behind its sidecar, called by the gateway over mesh mTLS.
    expect([body.service, body.pod, body.caller, body.host]).toEqual(['hello', hello.metadata.name, GATEWAY_IDENTITY, HOST]);
  }, 90_000);

  test('GIVEN the gateway serving the Secret\'s certificate WHEN the Secret is replaced with one from another CA THEN the gateway serves the new certificate without a restart', async () => {
    const before = await gatewayGet('/secure', first.caPem);
    const second = await createGatewayCredential(CREDENTIAL, MESH_NAMESPACE, [HOST]);
    await applyCredential(second);

    const answer = await waitForServedCredential(second);
    expect(answer.status).toBe(200);
    expect(answer.fingerprint).not.toBe(before.fingerprint);
    // The old CA no longer verifies what is served.
    await expect(gatewayGet('/secure', first.caPem)).rejects.toThrow(/certificate/i);
    const [current] = await cluster.pods(MESH_NAMESPACE, 'app=ingress-gateway');
    expect(current.metadata.uid).toBe(gateway.metadata.uid);
    const proxy = (current.status!.containerStatuses as { restartCount: number }[])[0];
    expect(proxy.restartCount).toBe(0);
  }, 90_000);
});
