/**
 * Acceptance: config edits while traffic flows. A steady request loop runs through a real Envoy
 * while the routing file is rewritten (atomically, and by plain overwrite): the new route takes
 * effect and stays, and no request fails. How fast that happens is measured by the benchmarks, not
 * asserted here: a loaded machine may take longer, and a deadline only bounds the wait. An edit that makes an object invalid is rejected, shown
 * at /debug/rejected and in the metrics, and traffic keeps following the previous config.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stopAcceptanceRig } from '../support/acceptance-teardown';
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
/** How long a change may take to show before the test gives up; it normally takes well under a second. */
const CHANGE_DEADLINE_MS = 30_000;
const LOOP_WORKERS = 2;

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
    await stopAcceptanceRig({ failures, envoy, reconciler, backends, configDir });
  });

  test.each([
    ['atomic rename', 'v2'],
    ['plain overwrite', 'v1'],
  ] as [WriteStyle, string][])('GIVEN a steady request loop WHEN the route is rewritten by %s to %s THEN it takes effect, stays, and no request fails', async (style, target) => {
    const before = target === 'v2' ? 'v1' : 'v2';
    await waitUntil(`traffic on ${before}`, async () => versionOf({ at: 0, ...(await client.get()) }) === before, CHANGE_DEADLINE_MS);
    const loop = new RequestLoop(client, LOOP_WORKERS);
    let writtenAt = 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      writtenAt = Date.now();
      writeRoutes(routeTo(target), style);
      await waitUntil(`${target} responses`, () => loop.outcomes.some((outcome) => outcome.at > writtenAt && versionOf(outcome) === target), CHANGE_DEADLINE_MS, 5);
      const seen = loop.outcomes.length;
      await waitUntil('more requests after the change', () => loop.outcomes.length >= seen + 20, CHANGE_DEADLINE_MS, 5);
    } finally {
      await loop.stop();
    }

    expect(loop.outcomes.filter((outcome) => outcome.status !== 200)).toEqual([]);
    expect(loop.outcomes.filter((outcome) => outcome.at < writtenAt).every((outcome) => versionOf(outcome) === before)).toBe(true);
    // Envoy (one worker) switches routes at one instant; each loop worker sends one request at a
    // time, so after the first new answer at most the other workers' requests in flight are old.
    const firstNew = loop.outcomes.findIndex((outcome) => outcome.at > writtenAt && versionOf(outcome) === target);
    const laterOld = loop.outcomes.slice(firstNew + 1).filter((outcome) => versionOf(outcome) !== target);
    expect(laterOld.length).toBeLessThanOrEqual(LOOP_WORKERS - 1);
    expect(loop.outcomes.slice(-10).map(versionOf)).toEqual(Array.from({ length: 10 }, () => target));
  });

  test.each([
    ['a timeout that is not a duration', routeTo('v2', { timeout: '1x' }), 'timeout'],
    ['weights that do not sum to 100', toYaml([virtualService(NAMESPACE, 'reviews', HOST, [weightedRoute(HOST, { v1: 90, v2: 20 })])]), 'sum to 110'],
  ])('GIVEN traffic on v1 WHEN the VirtualService is edited to have %s THEN it is rejected with its reason and traffic stays on v1', async (_, invalidYaml, reasonText) => {
    writeRoutes(routeTo('v1'), 'atomic rename');
    await waitUntil('traffic on v1', async () => versionOf({ at: 0, ...(await client.get()) }) === 'v1', CHANGE_DEADLINE_MS);

    writeRoutes(invalidYaml, 'atomic rename');
    await waitUntil('the rejection', async () => (await opsGet('/debug/rejected')).includes(reasonText), CHANGE_DEADLINE_MS);

    const rejected = JSON.parse(await opsGet('/debug/rejected')).rejected as { kind: string; name: string; reasons: string[] }[];
    expect(rejected).toEqual([expect.objectContaining({ kind: 'VirtualService', name: 'reviews' })]);
    expect(rejected[0].reasons.join('\n')).toContain(reasonText);
    expect(await opsGet('/metrics')).toContain('reconciler_rejected_objects 1');
    const replies = await sendMany(100, 4, () => client.get());
    expect(replies.map((reply) => (reply.status === 200 ? (JSON.parse(reply.body) as BackendReply).version : `HTTP ${reply.status}`)))
      .toEqual(Array.from({ length: 100 }, () => 'v1'));
  });
});
