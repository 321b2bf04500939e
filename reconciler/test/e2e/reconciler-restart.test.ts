/**
 * The reconciler process is SIGKILLed while a real Envoy is connected over xDS TLS: Envoy keeps
 * serving with the config it holds, and when the reconciler restarts (same ports, same CA) Envoy
 * reconnects, verifies the new serving certificate against the written root, and ACKs again.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendReply, startBackend, TestBackend } from '../support/backends';
import { EnvoySidecar } from '../support/envoy';
import { trackFailures } from '../support/failures';
import { httpRequest } from '../support/http-request';
import { egressSidecar, serviceEntry, toYaml, workloadEntry } from '../support/mesh-yaml';
import { freePort, uniqueLoopbackAddress } from '../support/ports';
import { ChildReconciler, startReconcilerChild } from '../support/reconciler-harness';
import { waitUntil } from '../support/wait';

const NAMESPACE = 'shop';
const PORT = 9080;
const HOST = 'reviews.shop.svc.cluster.local';

interface TypeStatus { sentVersion?: string; ackedVersion?: string }

describe('reconciler killed and restarted under a connected Envoy', () => {
  const failures = trackFailures();
  const clientIp = uniqueLoopbackAddress();
  let backend: TestBackend | undefined;
  let configDir: string;
  let caCertFile: string;
  const children: ChildReconciler[] = [];
  let envoy: EnvoySidecar | undefined;

  const call = async () => {
    const response = await httpRequest({ host: clientIp, port: PORT, path: '/reviews/1', headers: { host: HOST } });
    return response.status === 200 ? (JSON.parse(response.body) as BackendReply).name : `HTTP ${response.status}`;
  };
  const allTypesAcked = async (child: ChildReconciler) => {
    const syncz = await httpRequest({ host: '127.0.0.1', port: child.opsPort, path: '/debug/syncz', timeoutMs: 1000 }).catch(() => undefined);
    const types = Object.values((syncz ? JSON.parse(syncz.body) : {})[envoy!.node.id] ?? {}) as TypeStatus[];
    return types.length >= 4 && types.every((status) => status.ackedVersion !== undefined && status.ackedVersion === status.sentVersion);
  };

  beforeAll(() => failures.guard(async () => {
    backend = await startBackend('reviews', 'v1', uniqueLoopbackAddress(), await freePort());
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-restart-'));
    caCertFile = path.join(configDir, '.root-cert.pem');
    fs.writeFileSync(path.join(configDir, 'mesh.yaml'), toYaml([
      serviceEntry(NAMESPACE, 'reviews', HOST, PORT, 'reviews'),
      workloadEntry({ namespace: NAMESPACE, name: 'reviews-v1', address: backend.address, port: backend.port, labels: { app: 'reviews', version: 'v1' } }),
      egressSidecar(NAMESPACE, 'client', PORT, clientIp),
    ]));
    children.push(await startReconcilerChild(configDir, ['--ca-cert-out', caCertFile, '--debounce-ms', '10'], { keepDataDir: true }));
    envoy = await EnvoySidecar.start({
      xdsPort: children[0].xdsTlsPort, instanceIp: clientIp, name: 'client-0', namespace: NAMESPACE, labels: { app: 'client' },
      xdsTls: { caCertFile, serverName: 'localhost' },
    });
    await envoy.waitForConfig({ listeners: [`${clientIp}_${PORT}`], clusters: [`outbound|${PORT}||${HOST}`] });
    await waitUntil('Envoy to ACK the first reconciler over TLS', () => allTypesAcked(children[0]), 10_000, 100);
  }), 90_000);

  afterAll(async () => {
    if (failures.failed) {
      if (envoy) process.stderr.write(`Envoy log kept at ${envoy.logFile}\n${envoy.logTail()}\n`);
      children.forEach((child, index) => process.stderr.write(`reconciler ${index} output:\n${child.output().slice(-4000)}\n`));
    }
    await envoy?.stop(failures.failed);
    for (const child of children) await child.stop();
    await backend?.close();
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  test('GIVEN Envoy served over xDS TLS WHEN the reconciler is SIGKILLed and restarted THEN traffic never stops and Envoy reconnects and ACKs', async () => {
    expect(await call()).toBe('reviews');

    children[0].child.kill('SIGKILL');
    await children[0].exited;
    const whileDown = [];
    for (let i = 0; i < 10; i += 1) whileDown.push(await call());
    expect(whileDown).toEqual(Array.from({ length: 10 }, () => 'reviews'));

    children.push(await startReconcilerChild(configDir, ['--ca-cert-out', caCertFile, '--debounce-ms', '10'], { reuse: children[0] }));
    await waitUntil('Envoy to reconnect and ACK the restarted reconciler', () => allTypesAcked(children[1]), 30_000, 200);

    expect(await call()).toBe('reviews');
    expect(children[1].output()).toContain('"msg":"proxy connected"');
  }, 60_000);
});
