/**
 * A NACK from real Envoy: a route with a regex RE2 refuses (a lookahead) passes schema validation
 * and our codec, so the reconciler serves it. Envoy rejects the route update and keeps the last
 * good one; /debug/syncz shows the NACK; the reconciler does not resend the rejected version.
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

describe('a config real Envoy rejects', () => {
  const failures = trackFailures();
  const clientIp = uniqueLoopbackAddress();
  const backends: TestBackend[] = [];
  let configDir: string;
  let reconciler: InProcessReconciler | undefined;
  let envoy: EnvoySidecar | undefined;

  const opsGet = async (pathAndQuery: string) => (await httpRequest({ host: '127.0.0.1', port: reconciler!.opsPort, path: pathAndQuery })).body;
  const routeStatus = async () => (JSON.parse(await opsGet('/debug/syncz'))[envoy!.node.id]?.[TYPE_URLS.route] ?? {}) as TypeStatus;
  const routePushes = async () => Number(/reconciler_xds_pushes_total\{type="RouteConfiguration"\} (\d+)/.exec(await opsGet('/metrics'))?.[1] ?? 0);
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

  test('GIVEN ACKed routes WHEN a route Envoy cannot compile is served THEN the NACK is shown, the old routes keep serving and the version is not resent', async () => {
    const good = await routeStatus();
    expect(await call()).toBe('v1');

    writeRoutes([
      weightedRoute(HOST, { v2: 100 }, { match: [{ uri: { regex: '/reviews/(?=1)' } }] }),
      weightedRoute(HOST, { v2: 100 }),
    ]);
    await waitUntil('the NACK', async () => (await routeStatus()).lastNack !== undefined, 5000, 20);

    const nacked = await routeStatus();
    expect(nacked.lastNack).toMatchObject({ keptVersion: good.ackedVersion, rejectedVersion: nacked.sentVersion });
    expect(nacked.lastNack!.message).toContain('(?=');
    expect(nacked.ackedVersion).toBe(good.ackedVersion);
    expect(JSON.parse(await opsGet('/debug/rejected')).rejected).toEqual([]);
    expect(await opsGet('/metrics')).toMatch(/reconciler_xds_nacks_total\{type="RouteConfiguration"\} 1\n/);

    const pushesAfterNack = await routePushes();
    const replies = [];
    for (let i = 0; i < 20; i += 1) {
      replies.push(await call());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(replies).toEqual(Array.from({ length: 20 }, () => 'v1'));
    expect(await routePushes()).toBe(pushesAfterNack);
  });

  test('GIVEN a NACKed version WHEN the config is fixed THEN the new routes are ACKed and the NACK clears', async () => {
    writeRoutes([weightedRoute(HOST, { v2: 100 })]);
    await waitUntil('traffic on v2', async () => (await call()) === 'v2', 5000, 20);
    await waitUntil('the ACK', async () => (await routeStatus()).lastNack === undefined, 5000, 20);

    const fixed = await routeStatus();
    expect(fixed.ackedVersion).toBe(fixed.sentVersion);
  });
});
