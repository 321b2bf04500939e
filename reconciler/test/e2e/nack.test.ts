/**
 * A route with a regex RE2 refuses (a lookahead) passes schema validation, but ingest's regex
 * check rejects it before it is served: real Envoy keeps its routes, nothing is NACKed, and the
 * fixed config is ACKed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TYPE_URLS } from '../../src/push/contract';
import { BackendReply, startBackend, TestBackend } from '../support/backends';
import { EnvoySidecar } from '../support/envoy';
import { trackFailures } from '../support/failures';
import { httpRequest } from '../support/http-request';
import { egressSidecar, serviceEntry, toYaml, versionSubsets, virtualService, weightedRoute, workloadEntry } from '../support/mesh-yaml';
import { freePort, uniqueLoopbackAddress } from '../support/ports';
import { InProcessReconciler, startReconcilerInProcess } from '../support/reconciler-harness';
import { waitUntil } from '../support/wait';

const NAMESPACE = 'shop';
const PORT = 9080;
const HOST = 'reviews.shop.svc.cluster.local';

interface TypeStatus { sentVersion?: string; ackedVersion?: string; lastNack?: { keptVersion: string; rejectedVersion?: string; message: string } }

describe('a route real Envoy would reject', () => {
  const failures = trackFailures();
  const clientIp = uniqueLoopbackAddress();
  const backends: TestBackend[] = [];
  let configDir: string;
  let reconciler: InProcessReconciler | undefined;
  let envoy: EnvoySidecar | undefined;

  const opsGet = async (pathAndQuery: string) => (await httpRequest({ host: '127.0.0.1', port: reconciler!.opsPort, path: pathAndQuery })).body;
  const routeStatus = async () => (JSON.parse(await opsGet('/debug/syncz'))[envoy!.node.id]?.[TYPE_URLS.route] ?? {}) as TypeStatus;
  const writeRoutes = (http: unknown[]) => fs.writeFileSync(path.join(configDir, 'routes.yaml'), toYaml([virtualService(NAMESPACE, 'reviews', HOST, http)]));
  const call = async () => {
    const response = await httpRequest({ host: clientIp, port: PORT, path: '/reviews/1', headers: { host: HOST } });
    return response.status === 200 ? (JSON.parse(response.body) as BackendReply).version : `HTTP ${response.status}`;
  };

  beforeAll(() => failures.guard(async () => {
    for (const version of ['v1', 'v2']) backends.push(await startBackend('reviews', version, uniqueLoopbackAddress(), await freePort()));
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-nack-'));
    fs.writeFileSync(path.join(configDir, 'services.yaml'), toYaml([
      serviceEntry(NAMESPACE, 'reviews', HOST, PORT, 'reviews'),
      ...backends.map((backend) => workloadEntry({
        namespace: NAMESPACE, name: `reviews-${backend.version}`, address: backend.address, port: backend.port, labels: { app: 'reviews', version: backend.version },
      })),
      versionSubsets(NAMESPACE, 'reviews', HOST, ['v1', 'v2']),
      egressSidecar(NAMESPACE, 'client', PORT, clientIp),
    ]));
    writeRoutes([weightedRoute(HOST, { v1: 100 })]);
    reconciler = await startReconcilerInProcess(configDir, undefined, { validateWithCrds: true });
    envoy = await EnvoySidecar.start({ xdsPort: reconciler.xdsPort, instanceIp: clientIp, name: 'client-0', namespace: NAMESPACE, labels: { app: 'client' } });
    await envoy.waitForConfig({ listeners: [`${clientIp}_${PORT}`], clusters: [`outbound|${PORT}|v1|${HOST}`] });
    await waitUntil('the first routes to be ACKed', async () => (await routeStatus()).ackedVersion !== undefined);
  }), 60_000);

  afterAll(async () => {
    if (failures.failed && envoy) process.stderr.write(`Envoy log kept at ${envoy.logFile}\n${envoy.logTail()}\n`);
    await envoy?.stop(failures.failed);
    await reconciler?.stop();
    await Promise.all(backends.map((backend) => backend.close()));
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  test('GIVEN ACKed routes WHEN a route carries a regex Envoy cannot compile THEN ingest rejects it, the old routes keep serving and nothing is NACKed', async () => {
    const good = await routeStatus();
    expect(await call()).toBe('v1');

    writeRoutes([
      weightedRoute(HOST, { v2: 100 }, { match: [{ uri: { regex: '/reviews/(?=1)' } }] }),
      weightedRoute(HOST, { v2: 100 }),
    ]);
    await waitUntil('the rejection', async () => JSON.parse(await opsGet('/debug/rejected')).rejected.length > 0, 5000, 20);

    const rejected = JSON.parse(await opsGet('/debug/rejected')).rejected;
    expect(JSON.stringify(rejected)).toContain('spec.http[0].match[0].uri.regex: Envoy would refuse \\"/reviews/(?=1)\\"');
    const replies = [];
    for (let i = 0; i < 20; i += 1) {
      replies.push(await call());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(replies).toEqual(Array.from({ length: 20 }, () => 'v1'));
    expect((await routeStatus()).lastNack).toBeUndefined();
    expect((await routeStatus()).ackedVersion).toBe(good.ackedVersion);
  });

  test('GIVEN a rejected version WHEN the config is fixed THEN the new routes are ACKed without a NACK', async () => {
    writeRoutes([weightedRoute(HOST, { v2: 100 })]);
    await waitUntil('traffic on v2', async () => (await call()) === 'v2', 5000, 20);
    await waitUntil('the ACK', async () => (await routeStatus()).lastNack === undefined, 5000, 20);

    const fixed = await routeStatus();
    expect(fixed.ackedVersion).toBe(fixed.sentVersion);
  });
});
