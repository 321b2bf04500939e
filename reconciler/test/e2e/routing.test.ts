/**
 * Acceptance: traffic splitting and header routing through a real Envoy sidecar, configured by the
 * reconciler from hand-written Istio YAML in a directory, against two versions of a backend.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stopAcceptanceRig } from '../support/acceptance-teardown';
import { BackendReply, startBackend, TestBackend } from '../support/backends';
import { EnvoySidecar } from '../support/envoy';
import { trackFailures } from '../support/failures';
import {
  egressSidecar, serviceEntry, toYaml, versionSubsets, virtualService, weightedRoute, workloadEntry,
} from '../support/mesh-yaml';
import { freePort, uniqueLoopbackAddress } from '../support/ports';
import { InProcessReconciler, startReconcilerInProcess } from '../support/reconciler-harness';
import { expectShareNear } from '../support/shares';
import { KeepAliveClient, sendMany } from '../support/traffic';

const NAMESPACE = 'shop';
const PORT = 9080;
const SPLIT_HOST = 'reviews.shop.svc.cluster.local';
const HEADER_HOST = 'ratings.shop.svc.cluster.local';
const REQUESTS = 2000;
/** Percentage points; sigma of the v2 share is 0.67 points at 10 % over 2 000 requests, so this is 4.5 sigma. */
const SPLIT_TOLERANCE = 3;
const CONCURRENCY = 8;

describe('routing through a real Envoy', () => {
  const failures = trackFailures();
  const clientIp = uniqueLoopbackAddress();
  const backends: TestBackend[] = [];
  const clients: KeepAliveClient[] = [];
  let configDir: string;
  let reconciler: InProcessReconciler | undefined;
  let envoy: EnvoySidecar | undefined;

  beforeAll(() => failures.guard(async () => {
    for (const version of ['v1', 'v2']) backends.push(await startBackend('reviews', version, uniqueLoopbackAddress(), await freePort()));
    const entries = backends.map((backend) => workloadEntry({
      namespace: NAMESPACE, name: `reviews-${backend.version}`, address: backend.address, port: backend.port,
      labels: { app: 'reviews', version: backend.version },
    }));
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-routing-'));
    fs.writeFileSync(path.join(configDir, 'mesh.yaml'), toYaml([
      serviceEntry(NAMESPACE, 'reviews', SPLIT_HOST, PORT, 'reviews'),
      serviceEntry(NAMESPACE, 'ratings', HEADER_HOST, PORT, 'reviews'),
      ...entries,
      versionSubsets(NAMESPACE, 'reviews', SPLIT_HOST, ['v1', 'v2']),
      versionSubsets(NAMESPACE, 'ratings', HEADER_HOST, ['v1', 'v2']),
      virtualService(NAMESPACE, 'reviews', SPLIT_HOST, [weightedRoute(SPLIT_HOST, { v1: 90, v2: 10 })]),
      virtualService(NAMESPACE, 'ratings', HEADER_HOST, [
        weightedRoute(HEADER_HOST, { v2: 100 }, { match: [{ headers: { 'end-user': { exact: 'jason' } } }] }),
        weightedRoute(HEADER_HOST, { v1: 100 }),
      ]),
      egressSidecar(NAMESPACE, 'client', PORT, clientIp),
    ]));
    reconciler = await startReconcilerInProcess(configDir);
    envoy = await EnvoySidecar.start({ xdsPort: reconciler.xdsPort, instanceIp: clientIp, name: 'client-0', namespace: NAMESPACE, labels: { app: 'client' } });
    await envoy.waitForConfig({
      listeners: [`${clientIp}_${PORT}`],
      clusters: ['v1', 'v2'].flatMap((subset) => [`outbound|${PORT}|${subset}|${SPLIT_HOST}`, `outbound|${PORT}|${subset}|${HEADER_HOST}`]),
    });
  }), 60_000);

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await stopAcceptanceRig({ failures, envoy, reconciler, backends, configDir });
  });

  const clientFor = (authority: string) => {
    const client = new KeepAliveClient({ host: clientIp, port: PORT, authority, path: '/reviews/1' }, CONCURRENCY);
    clients.push(client);
    return client;
  };
  const versionOf = (body: string) => (JSON.parse(body) as BackendReply).version;

  test(`GIVEN a 90/10 split between v1 and v2 WHEN ${REQUESTS} requests are sent THEN each version gets its share within ${SPLIT_TOLERANCE} percentage points`, async () => {
    const client = clientFor(SPLIT_HOST);
    const replies = await sendMany(REQUESTS, CONCURRENCY, () => client.get());

    expect(replies.filter((reply) => reply.status !== 200)).toEqual([]);
    expectShareNear(replies.filter((reply) => versionOf(reply.body) === 'v2').length, REQUESTS, 10, SPLIT_TOLERANCE);
    expect(replies.every((reply) => ['v1', 'v2'].includes(versionOf(reply.body)))).toBe(true);
  });

  test.each([
    ['end-user jason', 'v2', { 'end-user': 'jason' }],
    ['end-user alice', 'v1', { 'end-user': 'alice' }],
    ['no end-user header', 'v1', {}],
  ])('GIVEN header routing WHEN 200 requests with %s are sent THEN all reach %s', async (_, expected, headers) => {
    const client = clientFor(HEADER_HOST);
    const replies = await sendMany(200, CONCURRENCY, () => client.get(headers as Record<string, string>));

    expect(replies.map((reply) => reply.status === 200 ? versionOf(reply.body) : `HTTP ${reply.status}`))
      .toEqual(Array.from({ length: 200 }, () => expected));
  });
});
