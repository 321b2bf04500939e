/**
 * Delta streams of proxies that hold the same set work out a push from one shared difference;
 * what each proxy is sent must still follow its own subscriptions.
 */
import fc from 'fast-check';
import { TYPE_URLS, XdsResource } from '../../src/push/contract';
import { silentLogger } from '../../src/log';
import { setDifference } from '../../src/xds/ads/set-difference';
import { AdsServer } from '../../src/xds/ads/ads-server';
import { EncodedResource, ResourceEncoder } from '../../src/xds/codec';
import { buildSnapshot } from '../../src/xds/snapshot';
import { SnapshotCache } from '../../src/xds/snapshot-cache';
import { ReceivedResponse, TestAdsStream } from '../support/ads-client';

const ENDPOINTS = TYPE_URLS.endpoint;

function assignment(name: string, port: number): XdsResource {
  return {
    name,
    resource: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
  };
}

function encodedSet(entries: Record<string, number>): Map<string, EncodedResource> {
  const encoder = new ResourceEncoder();
  return new Map(Object.entries(entries).map(([name, port]) => [name, encoder.encode(ENDPOINTS, assignment(name, port))]));
}

describe('the difference between two sets', () => {
  test('GIVEN any two sets WHEN their difference is worked out THEN it names what a resource-by-resource comparison names', () => {
    const sets = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 1, max: 3 }));
    fc.assert(fc.property(sets, sets, (fromEntries, toEntries) => {
      const from = encodedSet(fromEntries);
      const to = encodedSet(toEntries);
      const difference = setDifference(from, to);
      expect(difference.changed.map((resource) => resource.name)).toEqual(Object.keys(toEntries).filter((name) => fromEntries[name] !== toEntries[name]));
      expect(difference.added).toEqual(Object.keys(toEntries).filter((name) => !(name in fromEntries)));
      expect(difference.removed).toEqual(Object.keys(fromEntries).filter((name) => !(name in toEntries)));
      expect(setDifference(from, to)).toBe(difference);
    }), { seed: 7, numRuns: 200 });
  });
});

describe('delta streams sharing one difference', () => {
  const encoder = new ResourceEncoder();
  const proxies = ['sidecar~127.0.0.5~all.default~default.svc.cluster.local', 'sidecar~127.0.0.6~some.default~default.svc.cluster.local'];
  let cache: SnapshotCache;
  let server: AdsServer;
  let port: number;
  const streams: TestAdsStream[] = [];

  /** Publishes the same set (one list, so one encoded set) to both proxies. */
  const publish = (entries: Record<string, number>) => {
    const list = Object.entries(entries).map(([name, endpointPort]) => assignment(name, endpointPort));
    for (const proxyId of proxies) cache.setSnapshot(proxyId, buildSnapshot(new Map([[ENDPOINTS, list]]), encoder), ['test']);
  };
  const names = (response: ReceivedResponse) => response.resources.map((resource: { name: string }) => resource.name).sort();

  beforeEach(async () => {
    cache = new SnapshotCache();
    server = new AdsServer({
      snapshots: cache,
      log: silentLogger(),
      proxies: { proxyConnected: (node) => String(node.id), proxyDisconnected: () => undefined },
    });
    port = await server.listen('127.0.0.1', 0);
  });

  afterEach(async () => {
    streams.splice(0).forEach((stream) => stream.close());
    await server.close(500);
  });

  async function subscribed(proxyId: string, resourceNames: string[]): Promise<{ stream: TestAdsStream; first: ReceivedResponse }> {
    const stream = TestAdsStream.open(port, 'delta');
    streams.push(stream);
    stream.send({ node: { id: proxyId, cluster: 'test' }, type_url: ENDPOINTS, resource_names_subscribe: resourceNames });
    const first = await stream.next().catch((error) => { throw new Error(`first response to ${proxyId}: ${error.message}`); });
    stream.send({ type_url: ENDPOINTS, response_nonce: first.nonce });
    return { stream, first };
  }

  async function nextAcked(stream: TestAdsStream, awaited: string): Promise<ReceivedResponse> {
    const response = await stream.next().catch((error) => { throw new Error(`${awaited}: ${error.message}`); });
    stream.send({ type_url: ENDPOINTS, response_nonce: response.nonce });
    return response;
  }

  test('GIVEN one proxy subscribed to every name and one to some WHEN resources change, appear and go THEN each gets exactly the changes to what it subscribed to', async () => {
    publish({ a: 1, b: 1 });
    // `all` also subscribes to c before it exists; `some` only to a.
    const all = await subscribed(proxies[0], ['a', 'b', 'c']);
    const some = await subscribed(proxies[1], ['a']);
    expect(names(all.first)).toEqual(['a', 'b']);
    expect(names(some.first)).toEqual(['a']);

    publish({ a: 2, b: 1, c: 1 }); // a changes, c appears
    expect(names(await nextAcked(all.stream, 'push 1 to all'))).toEqual(['a', 'c']);
    expect(names(await nextAcked(some.stream, 'push 2 to some'))).toEqual(['a']);

    publish({ a: 2, b: 2, c: 1, d: 1 }); // b changes, d appears that nobody subscribed to
    expect(names(await nextAcked(all.stream, 'push 3 to all'))).toEqual(['b']);
    // Nothing for `some` here: its next response must be the one for a's next change.

    publish({ a: 3, c: 1, d: 1 }); // a changes, b goes
    const afterRemoval = await nextAcked(all.stream, 'push 4 to all');
    expect(names(afterRemoval)).toEqual(['a']);
    expect(afterRemoval.removed_resources).toEqual(['b']);
    expect(names(await nextAcked(some.stream, 'push 5 to some'))).toEqual(['a']);
  });
});
