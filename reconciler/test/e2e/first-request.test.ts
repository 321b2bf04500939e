/**
 * The first end-to-end path: hand-written Istio YAML in a directory → reconciler (directory source,
 * ingest, push context, generators, snapshot, ADS) → one real Envoy in NONE mode → backends.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startBackend, TestBackend, BackendReply } from '../support/backends';
import { EnvoySidecar } from '../support/envoy';
import { httpRequest } from '../support/http-request';
import { freePort, uniqueLoopbackAddress } from '../support/ports';
import { InProcessReconciler, startReconcilerInProcess } from '../support/reconciler-harness';

const HOST = 'reviews.shop.svc.cluster.local';
const SERVICE_PORT = 9080;

function meshYaml(clientIp: string, v1: TestBackend, v2: TestBackend): string {
  const workloadEntry = (backend: TestBackend) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-${backend.version}, namespace: shop }
spec:
  address: ${backend.address}
  labels: { app: reviews, version: ${backend.version} }
  ports: { http: ${backend.port} }
`;
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: ${SERVICE_PORT}, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: reviews } }
---
${workloadEntry(v1)}---
${workloadEntry(v2)}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: ${HOST}
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${HOST}]
  http:
    - match: [{ headers: { end-user: { exact: jason } } }]
      route: [{ destination: { host: ${HOST}, subset: v2 } }]
    - route: [{ destination: { host: ${HOST}, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: client, namespace: shop }
spec:
  workloadSelector: { labels: { app: client } }
  egress:
    - port: { number: ${SERVICE_PORT}, protocol: HTTP, name: http }
      bind: ${clientIp}
      hosts: ['./*']
`;
}

describe('first request through a real Envoy', () => {
  let configDir: string;
  let reconciler: InProcessReconciler | undefined;
  let envoy: EnvoySidecar | undefined;
  const backends: TestBackend[] = [];
  let failed = false;
  const clientIp = uniqueLoopbackAddress();

  beforeAll(async () => {
    backends.push(await startBackend('reviews', 'v1', uniqueLoopbackAddress(), await freePort()));
    backends.push(await startBackend('reviews', 'v2', uniqueLoopbackAddress(), await freePort()));
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-e2e-'));
    fs.writeFileSync(path.join(configDir, 'mesh.yaml'), meshYaml(clientIp, backends[0], backends[1]));
    reconciler = await startReconcilerInProcess(configDir);
    envoy = await EnvoySidecar.start({ xdsPort: reconciler.xdsPort, instanceIp: clientIp, name: 'client-0', namespace: 'shop', labels: { app: 'client' } });
    await envoy.waitForConfig({
      listeners: [`${clientIp}_${SERVICE_PORT}`],
      clusters: [`outbound|${SERVICE_PORT}|v1|${HOST}`, `outbound|${SERVICE_PORT}|v2|${HOST}`],
    });
  });

  afterEach(() => {
    const state = expect.getState() as { assertionCalls: number; numPassingAsserts: number };
    if (state.assertionCalls !== state.numPassingAsserts) failed = true;
  });

  afterAll(async () => {
    if (failed && envoy) process.stderr.write(`Envoy log kept at ${envoy.logFile}\n${envoy.logTail()}\n`);
    await envoy?.stop(failed);
    await reconciler?.stop();
    await Promise.all(backends.map((backend) => backend.close()));
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  const call = (headers: Record<string, string> = {}) =>
    httpRequest({ host: clientIp, port: SERVICE_PORT, path: '/reviews/1', headers: { host: HOST, ...headers } });

  test.each([
    ['no match header', 'v1', {}],
    ['end-user jason', 'v2', { 'end-user': 'jason' }],
  ])('GIVEN the VirtualService WHEN a request with %s goes through Envoy THEN it reaches reviews %s', async (_, version, headers) => {
    const response = await call(headers);
    expect(response.status).toBe(200);
    const reply = JSON.parse(response.body) as BackendReply;
    expect(reply).toMatchObject({ name: 'reviews', version, path: '/reviews/1' });
    expect(reply.headers['x-request-id']).toBeDefined();
  });

  test('GIVEN the proxy is served WHEN syncz is read THEN every pushed type is ACKed at its sent version', async () => {
    const syncz = await httpRequest({ host: '127.0.0.1', port: reconciler!.opsPort, path: '/debug/syncz' });
    const types = Object.values(JSON.parse(syncz.body)[envoy!.node.id]) as { sentVersion?: string; ackedVersion?: string; lastNack?: unknown }[];
    expect(types.length).toBeGreaterThanOrEqual(4);
    for (const status of types) {
      expect(status.lastNack).toBeUndefined();
      expect(status.ackedVersion).toBe(status.sentVersion);
    }
  });
});
