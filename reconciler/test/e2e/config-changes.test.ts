/**
 * Acceptance: config edits while traffic flows. A steady request loop runs through a real Envoy
 * while the routing file is rewritten (atomically, and by plain overwrite): the new route is seen
 * within a second and no request fails. An edit that makes an object invalid is rejected, shown
 * at /debug/rejected and in the metrics, and traffic keeps following the previous config.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendReply, startBackend, TestBackend } from '../support/backends';
import { EnvoySidecar } from '../support/envoy';
import { trackFailures } from '../support/failures';
import { httpRequest } from '../support/http-request';
import { egressSidecar, serviceEntry, toYaml, versionSubsets, virtualService, weightedRoute, workloadEntry } from '../support/mesh-yaml';
import { freePort, uniqueLoopbackAddress } from '../support/ports';
import { InProcessReconciler, startReconcilerInProcess } from '../support/reconciler-harness';
import { KeepAliveClient, LoopOutcome, RequestLoop, sendMany } from '../support/traffic';
import { waitUntil } from '../support/wait';

const NAMESPACE = 'shop';
const PORT = 9080;
const HOST = 'reviews.shop.svc.cluster.local';
const CONVERGENCE_LIMIT_MS = 1000;

type WriteStyle = 'atomic rename' | 'plain overwrite';

describe('config changes under traffic through a real Envoy', () => {
  const failures = trackFailures();
  const clientIp = uniqueLoopbackAddress();
  const backends: TestBackend[] = [];
  let configDir: string;
  let reconciler: InProcessReconciler | undefined;
  let envoy: EnvoySidecar | undefined;
  let client: KeepAliveClient;

  const routesFile = () => path.join(configDir, 'routes.yaml');
  const routeTo = (subset: string, http: Record<string, unknown> = {}) =>
    toYaml([virtualService(NAMESPACE, 'reviews', HOST, [{ ...weightedRoute(HOST, { [subset]: 100 }), ...http }])]);
  const writeRoutes = (text: string, style: WriteStyle) => {
    if (style === 'plain overwrite') {
      fs.writeFileSync(routesFile(), text);
      return;
    }
    // How editors and GitOps agents replace a file: write a hidden temp file, then rename over.
    const temp = path.join(configDir, `.routes.yaml.${process.pid}.tmp`);
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, routesFile());
  };
  const versionOf = (outcome: LoopOutcome) => outcome.status === 200 ? (JSON.parse(outcome.body!) as BackendReply).version : undefined;
  const opsGet = async (pathAndQuery: string) => (await httpRequest({ host: '127.0.0.1', port: reconciler!.opsPort, path: pathAndQuery })).body;

  beforeAll(() => failures.guard(async () => {
    for (const version of ['v1', 'v2']) backends.push(await startBackend('reviews', version, uniqueLoopbackAddress(), await freePort()));
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-changes-'));
    fs.writeFileSync(path.join(configDir, 'services.yaml'), toYaml([
      serviceEntry(NAMESPACE, 'reviews', HOST, PORT, 'reviews'),
      ...backends.map((backend) => workloadEntry({
        namespace: NAMESPACE, name: `reviews-${backend.version}`, address: backend.address, port: backend.port,
        labels: { app: 'reviews', version: backend.version },
      })),
      versionSubsets(NAMESPACE, 'reviews', HOST, ['v1', 'v2']),
      egressSidecar(NAMESPACE, 'client', PORT, clientIp),
    ]));
    fs.writeFileSync(routesFile(), routeTo('v1'));
    reconciler = await startReconcilerInProcess(configDir, undefined, { validateWithCrds: true });
    envoy = await EnvoySidecar.start({ xdsPort: reconciler.xdsPort, instanceIp: clientIp, name: 'client-0', namespace: NAMESPACE, labels: { app: 'client' } });
    await envoy.waitForConfig({ listeners: [`${clientIp}_${PORT}`], clusters: [`outbound|${PORT}|v1|${HOST}`, `outbound|${PORT}|v2|${HOST}`] });
    client = new KeepAliveClient({ host: clientIp, port: PORT, authority: HOST, path: '/reviews/1' }, 4);
  }), 60_000);

  afterAll(async () => {
    client?.close();
    if (failures.failed && envoy) process.stderr.write(`Envoy log kept at ${envoy.logFile}\n${envoy.logTail()}\n`);
    await envoy?.stop(failures.failed);
    await reconciler?.stop();
    await Promise.all(backends.map((backend) => backend.close()));
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  test.each([
    ['atomic rename', 'v2'],
    ['plain overwrite', 'v1'],
  ] as [WriteStyle, string][])('GIVEN a steady request loop WHEN the route is rewritten by %s to %s THEN it takes effect within 1 s and no request fails', async (style, target) => {
    const before = target === 'v2' ? 'v1' : 'v2';
    await waitUntil(`traffic on ${before}`, async () => versionOf({ at: 0, ...(await client.get()) }) === before, 5000);
    const loop = new RequestLoop(client, 2);
    let writtenAt = 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      writtenAt = Date.now();
      writeRoutes(routeTo(target), style);
      await waitUntil(`${target} responses`, () => loop.outcomes.some((outcome) => outcome.at > writtenAt && versionOf(outcome) === target), 5000, 5);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await loop.stop();
    }

    expect(loop.outcomes.filter((outcome) => outcome.status !== 200)).toEqual([]);
    const firstNew = loop.outcomes.find((outcome) => outcome.at > writtenAt && versionOf(outcome) === target)!;
    expect(firstNew.at - writtenAt).toBeLessThanOrEqual(CONVERGENCE_LIMIT_MS);
    expect(loop.outcomes.filter((outcome) => outcome.at < writtenAt).every((outcome) => versionOf(outcome) === before)).toBe(true);
  });

  test.each([
    ['a timeout that is not a duration', routeTo('v2', { timeout: '1x' }), 'timeout'],
    ['weights that do not sum to 100', toYaml([virtualService(NAMESPACE, 'reviews', HOST, [weightedRoute(HOST, { v1: 90, v2: 20 })])]), 'sum to 110'],
  ])('GIVEN traffic on v1 WHEN the VirtualService is edited to have %s THEN it is rejected with its reason and traffic stays on v1', async (_, invalidYaml, reasonText) => {
    writeRoutes(routeTo('v1'), 'atomic rename');
    await waitUntil('traffic on v1', async () => versionOf({ at: 0, ...(await client.get()) }) === 'v1', 5000);

    writeRoutes(invalidYaml, 'atomic rename');
    await waitUntil('the rejection', async () => (await opsGet('/debug/rejected')).includes(reasonText), 5000);

    const rejected = JSON.parse(await opsGet('/debug/rejected')).rejected as { kind: string; name: string; reasons: string[] }[];
    expect(rejected).toEqual([expect.objectContaining({ kind: 'VirtualService', name: 'reviews' })]);
    expect(rejected[0].reasons.join('\n')).toContain(reasonText);
    expect(await opsGet('/metrics')).toContain('reconciler_rejected_objects 1');
    const replies = await sendMany(100, 4, () => client.get());
    expect(replies.map((reply) => (reply.status === 200 ? (JSON.parse(reply.body) as BackendReply).version : `HTTP ${reply.status}`)))
      .toEqual(Array.from({ length: 100 }, () => 'v1'));
  });
});
