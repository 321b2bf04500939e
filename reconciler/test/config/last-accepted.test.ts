import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileLastAcceptedStore, LastAcceptedStore } from '../../src/config/last-accepted-store';
import type { ServedVersion } from '../../src/config/last-good';
import type { ConfigDocument, SourceStatus } from '../../src/config/source';
import { silentLogger } from '../../src/log';
import { NODE_METADATA } from '../../src/model';
import { MeshObject, TYPE_URLS } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { Reconciler } from '../../src/reconciler';
import { TestAdsStream } from '../support/ads-client';
import { MemorySource } from '../support/memory-source';
import { waitUntil } from '../support/wait';
import { httpFixture } from '../support/xds-fixtures';

const NODE = {
  id: 'sidecar~127.0.0.7~web.shop~shop.svc.cluster.local',
  metadata: { [NODE_METADATA.namespace]: 'shop', [NODE_METADATA.interceptionMode]: 'NONE', [NODE_METADATA.instanceIps]: '127.0.0.7' },
};
const HOST = 'alpha.example.com';
const serviceEntry = `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: alpha, namespace: shop}\nspec:\n  hosts: [${HOST}]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  endpoints: [{address: 127.0.0.20, labels: {version: v1}}, {address: 127.0.0.21, labels: {version: v2}}]\n`;
const destinationRule = (subsets: string[]) => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: alpha, namespace: shop}\nspec:\n  host: ${HOST}\n  subsets: [${subsets.map((s) => `{name: ${s}, labels: {version: ${s}}}`).join(', ')}]\n`;
const virtualService = (subset: string) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: alpha, namespace: shop}\nspec:\n  hosts: [${HOST}]\n  http: [{route: [{destination: {host: ${HOST}, subset: ${subset}}}]}]\n`;
const config = (subset: string, subsets = ['v1', 'v2']): ConfigDocument[] => [
  { source: 'se.yaml', text: serviceEntry },
  { source: 'dr.yaml', text: destinationRule(subsets) },
  { source: 'vs.yaml', text: virtualService(subset) },
];

/** A store in memory, shared by the "replicas" of a test like the ConfigMap is. */
class MemoryStore implements LastAcceptedStore {
  readonly description = 'memory store';
  saved: ServedVersion[] = [];
  async load() { return this.saved; }
  async save(versions: readonly ServedVersion[]) { this.saved = [...versions]; }
}

/** The source with a status a test controls, as the Kubernetes source reports it. */
class StatusSource extends MemorySource {
  current: SourceStatus = { ready: true, watches: [] };
  status(): SourceStatus { return this.current; }
}

describe('last accepted versions across restarts', () => {
  const running: Reconciler[] = [];
  const streams: TestAdsStream[] = [];
  afterEach(async () => {
    streams.splice(0).forEach((stream) => stream.close());
    await Promise.all(running.splice(0).map((reconciler) => reconciler.stop()));
  });

  /** A reconciler whose route tag is the subset the host's VirtualService routes to. */
  async function start(source: MemorySource, store?: LastAcceptedStore) {
    const reconciler = new Reconciler({
      source, mesh: DEFAULT_MESH_SETTINGS, log: silentLogger(), debounceMs: 5, lastAccepted: store,
      xds: { host: '127.0.0.1', port: 0 }, ops: { host: '127.0.0.1', port: 0 },
      generate: (push) => httpFixture({ responseTag: `subset=${push.virtualServiceFor(HOST)?.spec.http?.[0]?.route?.[0]?.destination?.subset ?? 'none'}` }),
    });
    running.push(reconciler);
    const ports = await reconciler.start();
    const served = async () => {
      const ads = TestAdsStream.open(ports.xdsPort, 'sotw');
      streams.push(ads);
      ads.send({ node: NODE, type_url: TYPE_URLS.route, resource_names: ['route_18080'] });
      return (await ads.next()).resources[0].virtual_hosts[0].response_headers_to_add[0].header.value as string;
    };
    const ops = async (route: string) => {
      const response = await fetch(`http://127.0.0.1:${ports.opsPort}${route}`);
      return { status: response.status, body: await response.text() };
    };
    return { reconciler, served, ops };
  }

  /** The saved version of the VirtualService: the subset it routes to. */
  const savedSubset = (store: MemoryStore) => store.saved.find((version) => version.object.kind === 'VirtualService')?.object.spec.http[0].route[0].destination.subset;

  test('GIVEN an accepted config WHEN an edit is rejected THEN the saved set keeps the accepted version, and takes the edit once it is fixed', async () => {
    const store = new MemoryStore();
    const source = new MemorySource(config('v1'));
    const { reconciler, ops } = await start(source, store);
    await waitUntil('the accepted set saved', async () => store.saved.length === 3);
    expect(store.saved.map((version) => [version.object.kind, version.origin.source])).toEqual([['DestinationRule', 'dr.yaml'], ['ServiceEntry', 'se.yaml'], ['VirtualService', 'vs.yaml']]);
    expect(savedSubset(store)).toBe('v1');

    source.set(config('v9'));
    reconciler.flushPendingPush();
    await waitUntil('the rejection seen', async () => JSON.parse((await ops('/debug/rejected')).body).rejected.length === 1);
    expect(savedSubset(store)).toBe('v1');

    source.set(config('v2'));
    reconciler.flushPendingPush();
    await waitUntil('the fixed edit saved', async () => savedSubset(store) === 'v2');
  });

  test('GIVEN every replica down WHEN an invalid edit is stored and a replica starts THEN it serves the version accepted before they stopped', async () => {
    const store = new MemoryStore();
    const before = await start(new MemorySource(config('v1')), store);
    await waitUntil('the accepted set saved', async () => store.saved.length === 3);
    await before.reconciler.stop();

    const after = await start(new MemorySource(config('v9')), store);
    expect(await after.served()).toBe('subset=v1');
  });

  test('GIVEN a Kubernetes Service beside the mesh config WHEN the accepted set is saved THEN only the mesh config is saved (the cluster\'s live state is read again on start)', async () => {
    const store = new MemoryStore();
    const service = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, name: http}]\n';
    const source = new MemorySource([...config('v1'), { source: 'service.yaml', text: service }]);
    const { ops } = await start(source, store);
    await waitUntil('the accepted set saved', async () => store.saved.length > 0);
    expect(JSON.parse((await ops('/debug/rejected')).body).rejected).toEqual([]);
    expect(store.saved.map((version) => version.object.kind)).toEqual(['DestinationRule', 'ServiceEntry', 'VirtualService']);
  });

  test('GIVEN a saved object the source no longer has WHEN a replica starts THEN it is not served', async () => {
    const store = new MemoryStore();
    const before = await start(new MemorySource(config('v1')), store);
    await waitUntil('the accepted set saved', async () => store.saved.length === 3);
    await before.reconciler.stop();

    const after = await start(new MemorySource(config('v1').filter((document) => document.source !== 'vs.yaml')), store);
    expect(await after.served()).toBe('subset=none');
  });

  test('GIVEN a replica held back a version WHEN another replica starts with the rejected version stored THEN it serves the held-back version too', async () => {
    const store = new MemoryStore();
    const first = new MemorySource(config('v1'));
    const one = await start(first, store);
    first.set(config('v9'));
    one.reconciler.flushPendingPush();
    await waitUntil('the rejection seen', async () => JSON.parse((await one.ops('/debug/rejected')).body).rejected.length === 1);
    expect(await one.served()).toBe('subset=v1');

    const two = await start(new MemorySource(config('v9')), store);
    expect(await two.served()).toBe('subset=v1');
    const rejected = JSON.parse((await two.ops('/debug/rejected')).body).rejected;
    expect(rejected[0].reasons.join(' ')).toContain('the previously accepted version stays in effect');
  });

  test('GIVEN no store WHEN a replica starts with only the rejected version THEN it has nothing to hold back and serves no route to a subset', async () => {
    const { served } = await start(new MemorySource(config('v9')));
    expect(await served()).toBe('subset=none');
  });

  test('GIVEN a directory-mode store WHEN saved and loaded THEN the objects come back, and a missing file is an empty set', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'last-accepted-')), 'nested', 'last-accepted.json');
    const store = new FileLastAcceptedStore(file);
    expect(await store.load()).toEqual([]);
    const object: MeshObject = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'alpha', namespace: 'shop' }, spec: { hosts: [HOST] } };
    await store.save([{ object, origin: { source: 'routes.yaml', index: 2 } }]);
    expect(await new FileLastAcceptedStore(file).load()).toEqual([{ object, origin: { source: 'routes.yaml', index: 2 } }]);
    fs.writeFileSync(file, '{"x": 1}');
    await expect(store.load()).rejects.toThrow(`file ${file}: entry 'x' is not a Kubernetes object with its origin; delete the entry`);
  });
});

describe('readiness', () => {
  const running: Reconciler[] = [];
  afterEach(async () => { await Promise.all(running.splice(0).map((reconciler) => reconciler.stop())); });

  async function start(source: StatusSource) {
    const reconciler = new Reconciler({
      source, mesh: DEFAULT_MESH_SETTINGS, log: silentLogger(), xds: { host: '127.0.0.1', port: 0 }, ops: { host: '127.0.0.1', port: 0 },
      generate: () => httpFixture(),
    });
    running.push(reconciler);
    const { opsPort } = await reconciler.start();
    return async (route: string) => {
      const response = await fetch(`http://127.0.0.1:${opsPort}${route}`);
      return { status: response.status, body: await response.text() };
    };
  }

  test('GIVEN a watch that never listed WHEN /readyz is asked THEN it is not ready and says which watch and why', async () => {
    const source = new StatusSource(config('v1'));
    source.current = {
      ready: false,
      watches: [{ name: 'virtualservices.networking.istio.io', synced: false, consecutiveFailures: 3, failuresTotal: 3, lastError: 'HTTP 403 Forbidden; apply the ClusterRole' }],
    };
    const ops = await start(source);
    const readyz = await ops('/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.body).toBe('not ready\nwaiting for the first list of virtualservices.networking.istio.io: HTTP 403 Forbidden; apply the ClusterRole\n');
    const metrics = (await ops('/metrics')).body;
    expect(metrics).toContain('reconciler_source_synced{watch="virtualservices.networking.istio.io"} 0');
    expect(metrics).toContain('reconciler_source_watch_failures_total{watch="virtualservices.networking.istio.io"} 3');
  });

  test('GIVEN every watch listed once and one failing now WHEN /readyz is asked THEN it stays ready and reports the stale watch', async () => {
    const source = new StatusSource(config('v1'));
    source.current = {
      ready: true,
      watches: [
        { name: 'pods', synced: true, consecutiveFailures: 0, failuresTotal: 0 },
        { name: 'services', synced: true, consecutiveFailures: 2, failuresTotal: 5, lastError: 'listing/watching services failed: connect ECONNREFUSED' },
      ],
    };
    const ops = await start(source);
    const readyz = await ops('/readyz');
    expect(readyz.status).toBe(200);
    expect(readyz.body).toBe('ready\nstale: listing/watching services failed: connect ECONNREFUSED (2 failures in a row)\n');
    const metrics = (await ops('/metrics')).body;
    expect(metrics).toContain('reconciler_source_watch_failing{watch="services"} 1');
    expect(metrics).toContain('reconciler_source_watch_failing{watch="pods"} 0');
  });
});

describe('admission check against the current config', () => {
  let reconciler: Reconciler;
  beforeEach(async () => {
    reconciler = new Reconciler({
      source: new MemorySource(config('v1')), mesh: DEFAULT_MESH_SETTINGS, log: silentLogger(), xds: { host: '127.0.0.1', port: 0 },
      generate: () => httpFixture(),
    });
    await reconciler.start();
  });
  afterEach(() => reconciler.stop());
  const key = (kind: string) => ({ kind, namespace: 'shop', name: 'alpha' });

  test('GIVEN a VirtualService routing to a subset no DestinationRule defines WHEN checked THEN it is refused with the reason', () => {
    const verdict = reconciler.checkCandidate({ source: 'vs.yaml', text: virtualService('v9') }, key('VirtualService'));
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons.join(' ')).toMatch(/subset is 'v9' for host 'alpha.example.com', but defined subsets are v1, v2/);
  });

  test('GIVEN a valid edit WHEN checked THEN it is admitted without warnings', () => {
    expect(reconciler.checkCandidate({ source: 'vs.yaml', text: virtualService('v2') }, key('VirtualService'))).toEqual({ allowed: true, reasons: [], warnings: [] });
  });

  test('GIVEN a DestinationRule edit that removes a subset a VirtualService uses WHEN checked THEN it is admitted with a warning naming that VirtualService', () => {
    const verdict = reconciler.checkCandidate({ source: 'dr.yaml', text: destinationRule(['v2']) }, key('DestinationRule'));
    expect(verdict.allowed).toBe(true);
    expect(verdict.warnings).toHaveLength(1);
    expect(verdict.warnings[0]).toMatch(/^with this change: VirtualService shop\/alpha .*subset is 'v1'/);
  });
});
