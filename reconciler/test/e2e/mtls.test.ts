/**
 * Acceptance: STRICT mutual TLS between two real Envoy sidecars whose certificates come over SDS
 * from the reconciler's CA. client app → client sidecar → (mTLS) → server sidecar → server app.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendReply, startBackend, TestBackend } from '../support/backends';
import { EnvoySidecar } from '../support/envoy';
import { trackFailures } from '../support/failures';
import { httpRequest } from '../support/http-request';
import { egressSidecar, ingressSidecar, peerAuthentication, serviceEntry, toYaml, workloadEntry } from '../support/mesh-yaml';
import { freePort, uniqueLoopbackAddress } from '../support/ports';
import { InProcessReconciler, startReconcilerInProcess } from '../support/reconciler-harness';
import { waitUntil } from '../support/wait';

const NAMESPACE = 'shop';
const PORT = 9080;
const HOST = 'cart.shop.svc.cluster.local';

describe('STRICT mTLS between two real Envoy sidecars', () => {
  const failures = trackFailures();
  const clientIp = uniqueLoopbackAddress();
  const serverIp = uniqueLoopbackAddress();
  let app: TestBackend | undefined;
  let configDir: string;
  let reconciler: InProcessReconciler | undefined;
  const envoys: EnvoySidecar[] = [];

  beforeAll(() => failures.guard(async () => {
    app = await startBackend('cart', 'v1', uniqueLoopbackAddress(), await freePort());
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-mtls-'));
    fs.writeFileSync(path.join(configDir, 'mesh.yaml'), toYaml([
      serviceEntry(NAMESPACE, 'cart', HOST, PORT, 'cart'),
      workloadEntry({ namespace: NAMESPACE, name: 'cart-0', address: serverIp, port: PORT, labels: { app: 'cart' }, serviceAccount: 'cart' }),
      peerAuthentication(NAMESPACE, 'default', 'STRICT'),
      ingressSidecar(NAMESPACE, 'cart', PORT, serverIp, `${app.address}:${app.port}`),
      egressSidecar(NAMESPACE, 'web', PORT, clientIp),
    ]));
    reconciler = await startReconcilerInProcess(configDir, undefined, { security: true });
    envoys.push(await EnvoySidecar.start({
      xdsPort: reconciler.xdsPort, instanceIp: serverIp, name: 'cart-0', namespace: NAMESPACE, labels: { app: 'cart' }, serviceAccount: 'cart',
    }));
    envoys.push(await EnvoySidecar.start({
      xdsPort: reconciler.xdsPort, instanceIp: clientIp, name: 'web-0', namespace: NAMESPACE, labels: { app: 'web' }, serviceAccount: 'web',
    }));
    await envoys[0].waitForConfig({ listeners: [`inbound|${serverIp}_${PORT}`] });
    await envoys[1].waitForConfig({ listeners: [`${clientIp}_${PORT}`], clusters: [`outbound|${PORT}||${HOST}`] });
  }), 60_000);

  afterAll(async () => {
    if (failures.failed) {
      envoys.forEach((envoy) => process.stderr.write(`Envoy log kept at ${envoy.logFile}\n${envoy.logTail()}\n`));
      const debug = await Promise.all(['/debug/rejected', '/debug/syncz'].map((view) => httpRequest({ host: '127.0.0.1', port: reconciler!.opsPort, path: view }).then((r) => r.body, () => '')));
      process.stderr.write(`reconciler views:\n${debug.join('\n')}\n`);
    }
    await Promise.all(envoys.map((envoy) => envoy.stop(failures.failed)));
    await reconciler?.stop();
    await app?.close();
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  test('GIVEN STRICT mTLS WHEN the client app calls through both sidecars THEN the request succeeds and the server app sees the client SPIFFE identity', async () => {
    let response = await httpRequest({ host: clientIp, port: PORT, path: '/items', headers: { host: HOST } });
    // Secrets arrive over SDS right after the listeners; allow the first moments for that.
    await waitUntil('an mTLS request to succeed', async () => {
      response = await httpRequest({ host: clientIp, port: PORT, path: '/items', headers: { host: HOST } });
      return response.status === 200;
    }, 10_000, 100);

    const reply = JSON.parse(response.body) as BackendReply;
    expect(reply).toMatchObject({ name: 'cart', path: '/items' });
    expect(reply.headers['x-forwarded-client-cert']).toContain('URI=spiffe://cluster.local/ns/shop/sa/web');
  });

  test('GIVEN STRICT mTLS WHEN a plaintext client connects straight to the server sidecar THEN it is refused', async () => {
    const hitsBefore = app!.hits;

    await expect(httpRequest({ host: serverIp, port: PORT, path: '/items', headers: { host: HOST }, timeoutMs: 3000 })).rejects.toThrow();
    expect(app!.hits).toBe(hitsBefore);
  });

  test('GIVEN a client that forges x-forwarded-client-cert WHEN it calls through the mesh THEN the server app sees only the verified identity', async () => {
    const response = await httpRequest({ host: clientIp, port: PORT, path: '/items', headers: { 'host': HOST, 'x-forwarded-client-cert': 'URI=spiffe://cluster.local/ns/shop/sa/admin' } });

    const forwarded = String((JSON.parse(response.body) as BackendReply).headers['x-forwarded-client-cert']);
    expect(forwarded).not.toContain('sa/admin');
    expect(forwarded).toContain('URI=spiffe://cluster.local/ns/shop/sa/web');
  });

  test('GIVEN connected proxies WHEN their config is dumped THEN private keys are redacted', async () => {
    const dump = await httpRequest({ host: '127.0.0.1', port: reconciler!.opsPort, path: `/debug/config_dump?proxy=${encodeURIComponent(envoys[0].node.id)}` });

    expect(dump.body).toContain('"private_key": "[redacted]"');
    expect(dump.body).not.toContain('PRIVATE KEY');
  });
});
