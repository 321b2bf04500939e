import { NODE_METADATA } from '../../src/model';
import { silentLogger } from '../../src/log';
import { TYPE_URLS } from '../../src/push/contract';
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
const serviceEntry = (name: string) =>
  `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  hosts: [${name}.example.com]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  endpoints: [{address: 127.0.0.20}]\n`;

describe('reconciler wiring', () => {
  let reconciler: Reconciler;
  let source: MemorySource;
  let ports: { xdsPort: number; opsPort?: number };
  const streams: TestAdsStream[] = [];
  const opsGet = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${ports.opsPort}${path}`);
    return { status: response.status, body: await response.text() };
  };

  beforeEach(async () => {
    source = new MemorySource([{ source: 'mesh.yaml', text: serviceEntry('alpha') }]);
    reconciler = new Reconciler({
      source,
      mesh: DEFAULT_MESH_SETTINGS,
      log: silentLogger(),
      debounceMs: 5,
      xds: { host: '127.0.0.1', port: 0 },
      ops: { host: '127.0.0.1', port: 0 },
      // Tags the route with the number of services so a test can see which config set was pushed.
      generate: (push) => httpFixture({ responseTag: `services=${push.services().length}` }),
    });
    ports = await reconciler.start();
  });

  afterEach(async () => {
    streams.splice(0).forEach((stream) => stream.close());
    await reconciler.stop();
  });

  const connect = () => {
    const ads = TestAdsStream.open(ports.xdsPort, 'sotw');
    streams.push(ads);
    ads.send({ node: NODE, type_url: TYPE_URLS.route, resource_names: ['route_18080'] });
    return ads;
  };
  const tagOf = (response: any) => response.resources[0].virtual_hosts[0].response_headers_to_add[0].header.value;

  test('GIVEN a loaded config WHEN a proxy connects THEN it is ready, and the proxy gets config generated for it', async () => {
    expect((await opsGet('/readyz')).status).toBe(200);
    const first = await connect().next();
    expect(tagOf(first)).toBe('services=1');
    expect(JSON.parse((await opsGet(`/debug/config_dump?proxy=${encodeURIComponent(NODE.id)}`)).body)[TYPE_URLS.route].version).toBe(first.version_info);
  });

  test('GIVEN a connected proxy WHEN the config changes THEN it is pushed with its reason shown in syncz', async () => {
    const ads = connect();
    const first = await ads.next();
    ads.send({ type_url: TYPE_URLS.route, resource_names: ['route_18080'], version_info: first.version_info, response_nonce: first.nonce });
    await waitUntil('the ACK', async () => (await opsGet('/debug/syncz')).body.includes(`"ackedVersion": "${first.version_info}"`));
    source.set([{ source: 'mesh.yaml', text: `${serviceEntry('alpha')}---\n${serviceEntry('beta')}` }]);
    const second = await ads.next();
    expect(tagOf(second)).toBe('services=2');
    const syncz = JSON.parse((await opsGet('/debug/syncz')).body);
    expect(syncz[NODE.id][TYPE_URLS.route].lastPushReasons).toEqual(['config:file-changed']);
  });

  test('GIVEN a duplicate object and an unreadable file WHEN loaded THEN both are listed, counted, and the rest is served', async () => {
    source.set(
      [{ source: 'mesh.yaml', text: `${serviceEntry('alpha')}---\n${serviceEntry('alpha')}` }],
      [{ source: 'half.yaml', reason: 'is not valid YAML: x; nothing from it is served' }],
    );
    reconciler.flushPendingPush();
    const rejected = JSON.parse((await opsGet('/debug/rejected')).body).rejected as { kind: string; name?: string; origin: { source: string } }[];
    expect(rejected.map((entry) => [entry.kind, entry.name, entry.origin.source])).toEqual(expect.arrayContaining([
      ['File', undefined, 'half.yaml'],
      ['ServiceEntry', 'alpha', 'mesh.yaml'],
    ]));
    expect((await opsGet('/metrics')).body).toContain(`reconciler_rejected_objects ${rejected.length}`);
    expect(tagOf(await connect().next())).toBe('services=1');
  });

  test('GIVEN a generator that produces a dangling route reference WHEN a proxy connects THEN nothing is published and the problem is shown', async () => {
    await reconciler.stop();
    reconciler = new Reconciler({
      source: new MemorySource(), mesh: DEFAULT_MESH_SETTINGS, log: silentLogger(),
      xds: { host: '127.0.0.1', port: 0 }, ops: { host: '127.0.0.1', port: 0 },
      generate: () => new Map([...httpFixture(), [TYPE_URLS.route, []]]),
    });
    ports = await reconciler.start();
    connect();
    await waitUntil('the generation problem', async () => (await opsGet('/debug/rejected')).body.includes('route_18080'));
    expect((await opsGet(`/debug/config_dump?proxy=${encodeURIComponent(NODE.id)}`)).status).toBe(404);
    expect((await opsGet('/metrics')).body).toContain('reconciler_generation_errors_total 1');
  });
});
