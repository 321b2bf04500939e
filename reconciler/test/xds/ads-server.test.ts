import { TYPE_URLS } from '../../src/push/contract';
import { silentLogger } from '../../src/log';
import type { RejectedResponse } from '../../src/xds/ads/ads-observer';
import { AdsServer } from '../../src/xds/ads/ads-server';
import { ResourceEncoder } from '../../src/xds/codec';
import { buildSnapshot } from '../../src/xds/snapshot';
import { SnapshotCache } from '../../src/xds/snapshot-cache';
import { TestAdsStream } from '../support/ads-client';
import { waitUntil } from '../support/wait';
import { httpFixture } from '../support/xds-fixtures';

const NODE = { id: 'sidecar~127.0.0.5~a.default~default.svc.cluster.local', cluster: 'a.default' };

describe('ADS server', () => {
  const encoder = new ResourceEncoder();
  let cache: SnapshotCache;
  let server: AdsServer;
  let port: number;
  const connected: string[] = [];
  const disconnected: string[] = [];
  const streams: TestAdsStream[] = [];
  let nacks: { proxyId: string; typeUrl: string; rejected: RejectedResponse }[];

  const publish = (tag: string, endpointPort = 18000) =>
    cache.setSnapshot(NODE.id, buildSnapshot(httpFixture({ responseTag: tag, endpoints: [{ address: '127.0.0.1', port: endpointPort }] }), encoder), [`test:${tag}`]);
  const open = (flavour: 'sotw' | 'delta') => {
    const stream = TestAdsStream.open(port, flavour);
    streams.push(stream);
    return stream;
  };

  beforeEach(async () => {
    cache = new SnapshotCache();
    publish('v1');
    nacks = [];
    server = new AdsServer({
      snapshots: cache,
      log: silentLogger(),
      observer: { nacked: (proxyId, typeUrl, rejected) => nacks.push({ proxyId, typeUrl, rejected }) },
      proxies: {
        proxyConnected: (node) => { connected.push(String(node.id)); return String(node.id); },
        proxyDisconnected: (id) => { disconnected.push(id); },
      },
    });
    port = await server.listen('127.0.0.1', 0);
  });

  afterEach(async () => {
    streams.splice(0).forEach((stream) => stream.close());
    await server.close(500);
  });

  test('GIVEN a snapshot WHEN a proxy subscribes to clusters THEN it gets them all, and its ACK shows in the sync status', async () => {
    const ads = open('sotw');
    ads.send({ node: NODE, type_url: TYPE_URLS.cluster });
    const response = await ads.next();
    expect(response.resources.map((resource: any) => resource.name)).toEqual(['backend']);
    expect(response.resources[0]['@type']).toBe(TYPE_URLS.cluster);
    expect(connected).toContain(NODE.id);

    ads.send({ type_url: TYPE_URLS.cluster, version_info: response.version_info, response_nonce: response.nonce });
    ads.send({ type_url: TYPE_URLS.route, resource_names: ['route_18080'] });
    await ads.next(); // the route response proves the ACK before it was processed
    expect(server.status.toJson()[NODE.id][TYPE_URLS.cluster]).toMatchObject({
      sentVersion: response.version_info, ackedVersion: response.version_info, sentNonce: response.nonce,
    });
  });

  test('GIVEN a proxy NACKs a version WHEN a newer snapshot is published THEN the NACK is recorded and only the newer version is sent', async () => {
    const ads = open('sotw');
    ads.send({ node: NODE, type_url: TYPE_URLS.route, resource_names: ['route_18080'] });
    const first = await ads.next();
    ads.send({ type_url: TYPE_URLS.route, resource_names: ['route_18080'], version_info: first.version_info, response_nonce: first.nonce });
    const routeStatus = () => server.status.toJson()[NODE.id]?.[TYPE_URLS.route];
    await waitUntil('the ACK', () => routeStatus()?.ackedVersion === first.version_info);
    publish('v2');
    const rejected = await ads.next();
    ads.send({
      type_url: TYPE_URLS.route, resource_names: ['route_18080'], version_info: first.version_info, response_nonce: rejected.nonce,
      error_detail: { code: 3, message: 'bad header' },
    });
    await waitUntil('the NACK', () => routeStatus()?.lastNack !== undefined);
    publish('v3');
    const after = await ads.next();

    expect(after.version_info).not.toBe(rejected.version_info);
    expect(after.resources[0].virtual_hosts[0].response_headers_to_add[0].header.value).toBe('v3');
    expect(routeStatus()).toMatchObject({
      ackedVersion: first.version_info,
      lastNack: { keptVersion: first.version_info, rejectedVersion: rejected.version_info, message: 'bad header' },
    });
    const names = (resources: readonly { name: string }[]) => resources.map((resource) => resource.name);
    expect(nacks.map(({ rejected: { resources, changed, ...rest }, ...where }) => ({ ...where, ...rest, resources: names(resources), changed: names(changed) }))).toEqual([{
      proxyId: NODE.id, typeUrl: TYPE_URLS.route, keptVersion: first.version_info, rejectedVersion: rejected.version_info,
      errorDetail: { code: 3, message: 'bad header' }, resources: ['route_18080'], changed: ['route_18080'],
    }]);
  });

  test('GIVEN a delta stream WHEN the proxy NACKs its first endpoints THEN the observer hears which resources it refused and that it keeps nothing', async () => {
    const ads = open('delta');
    ads.send({ node: NODE, type_url: TYPE_URLS.endpoint, resource_names_subscribe: ['backend'] });
    const first = await ads.next();
    ads.send({ type_url: TYPE_URLS.endpoint, response_nonce: first.nonce, error_detail: { code: 13, message: 'endpoint backend: bad address' } });
    await waitUntil('the NACK', () => nacks.length === 1);

    expect(nacks[0]).toMatchObject({ proxyId: NODE.id, typeUrl: TYPE_URLS.endpoint, rejected: { keptVersion: '', rejectedVersion: first.system_version_info } });
    expect(nacks[0].rejected.errorDetail).toEqual({ code: 13, message: 'endpoint backend: bad address' });
    expect(nacks[0].rejected.resources.map((resource) => resource.name)).toEqual(['backend']);
  });

  test('GIVEN a request echoing an old nonce WHEN it changes the subscription THEN it is ignored as stale', async () => {
    const ads = open('sotw');
    ads.send({ node: NODE, type_url: TYPE_URLS.endpoint, resource_names: ['backend'] });
    const first = await ads.next();
    publish('v2', 18001);
    const second = await ads.next();
    ads.send({ type_url: TYPE_URLS.endpoint, resource_names: ['backend', 'other'], response_nonce: first.nonce, version_info: first.version_info });
    ads.send({ type_url: TYPE_URLS.cluster });
    const next = await ads.next();
    expect(next.type_url).toBe(TYPE_URLS.cluster);
    expect(server.status.toJson()[NODE.id][TYPE_URLS.endpoint].sentNonce).toBe(second.nonce);
  });

  test('GIVEN every type subscribed WHEN all change at once THEN clusters go before endpoints and listeners before routes', async () => {
    const ads = open('sotw');
    const subscriptions = [
      { type_url: TYPE_URLS.listener }, { type_url: TYPE_URLS.route, resource_names: ['route_18080'] },
      { type_url: TYPE_URLS.cluster }, { type_url: TYPE_URLS.endpoint, resource_names: ['backend'] },
    ];
    ads.send({ node: NODE, ...subscriptions[0] });
    for (const subscription of subscriptions.slice(1)) ads.send(subscription);
    const initial = await Promise.all(subscriptions.map(() => ads.next()));
    for (const response of initial) {
      const subscription = subscriptions.find((candidate) => candidate.type_url === response.type_url)!;
      ads.send({ ...subscription, version_info: response.version_info, response_nonce: response.nonce });
    }
    await waitUntil('four ACKs', () => Object.values(server.status.toJson()[NODE.id]).filter((status) => status.ackedVersion).length === 4);
    cache.setSnapshot(NODE.id, buildSnapshot(httpFixture({ listenerPort: 18080, responseTag: 'x', endpoints: [{ address: '127.0.0.9', port: 1 }], clusterName: 'backend' }), encoder), ['t']);
    const pushed = [await ads.next(), await ads.next()];
    expect(pushed.map((response) => response.type_url)).toEqual([TYPE_URLS.endpoint, TYPE_URLS.route]);
  });

  /** The fixture with the cluster changed (its connect timeout) and the endpoints as they were. */
  const publishClusterChange = (timeout: string) => {
    const resources = new Map(httpFixture({ responseTag: 'v1', endpoints: [{ address: '127.0.0.1', port: 18000 }] }));
    const [cluster] = resources.get(TYPE_URLS.cluster)!;
    resources.set(TYPE_URLS.cluster, [{ ...cluster, resource: { ...(cluster.resource as object), connect_timeout: timeout } }]);
    cache.setSnapshot(NODE.id, buildSnapshot(resources, encoder), ['test:cluster-change']);
  };

  test('GIVEN a cluster updated with unchanged endpoints WHEN Envoy re-requests them with an ACK THEN the endpoints are answered again (no 15 s warming)', async () => {
    const ads = open('sotw');
    ads.send({ node: NODE, type_url: TYPE_URLS.cluster });
    const clusters = await ads.next();
    ads.send({ type_url: TYPE_URLS.cluster, version_info: clusters.version_info, response_nonce: clusters.nonce });
    ads.send({ type_url: TYPE_URLS.endpoint, resource_names: ['backend'] });
    const endpoints = await ads.next();
    ads.send({ type_url: TYPE_URLS.endpoint, resource_names: ['backend'], version_info: endpoints.version_info, response_nonce: endpoints.nonce });
    // A plain ACK of endpoints gets no answer.
    await waitUntil('the endpoints ACK', () => server.status.toJson()[NODE.id]?.[TYPE_URLS.endpoint]?.ackedVersion === endpoints.version_info);

    publishClusterChange('7s');
    const updated = await ads.next();
    expect(updated.type_url).toBe(TYPE_URLS.cluster);
    ads.send({ type_url: TYPE_URLS.cluster, version_info: updated.version_info, response_nonce: updated.nonce });
    // What Envoy sends for the updated cluster's endpoints: the same names, the last nonce.
    ads.send({ type_url: TYPE_URLS.endpoint, resource_names: ['backend'], version_info: endpoints.version_info, response_nonce: endpoints.nonce });
    const again = await ads.next();
    expect(again.type_url).toBe(TYPE_URLS.endpoint);
    expect(again.version_info).toBe(endpoints.version_info);
    expect(again.resources.map((resource: any) => resource.cluster_name)).toEqual(['backend']);
  });

  test('GIVEN a delta stream holding endpoints WHEN Envoy subscribes to them again for an updated cluster THEN they are sent again', async () => {
    const ads = open('delta');
    ads.send({ node: NODE, type_url: TYPE_URLS.endpoint, resource_names_subscribe: ['backend'] });
    const first = await ads.next();
    expect(first.resources.map((resource: any) => resource.name)).toEqual(['backend']);
    ads.send({ type_url: TYPE_URLS.endpoint, response_nonce: first.nonce });
    ads.send({ type_url: TYPE_URLS.endpoint, resource_names_subscribe: ['backend'] });
    const again = await ads.next();
    expect(again.resources.map((resource: any) => resource.name)).toEqual(['backend']);
  });

  test('GIVEN a delta stream holding a cluster and its endpoints WHEN only the cluster changes THEN the unchanged endpoints follow it unasked (Envoy warms the update until they come)', async () => {
    const ads = open('delta');
    ads.send({ node: NODE, type_url: TYPE_URLS.cluster });
    const clusters = await ads.next();
    ads.send({ type_url: TYPE_URLS.cluster, response_nonce: clusters.nonce });
    ads.send({ type_url: TYPE_URLS.endpoint, resource_names_subscribe: ['backend'] });
    const endpoints = await ads.next();
    expect(endpoints.resources.map((resource: any) => resource.name)).toEqual(['backend']);
    ads.send({ type_url: TYPE_URLS.endpoint, response_nonce: endpoints.nonce });
    await waitUntil('the endpoints ACK', () => server.status.toJson()[NODE.id]?.[TYPE_URLS.endpoint]?.ackedVersion !== undefined);

    publishClusterChange('7s');
    const updated = await ads.next();
    expect(updated.type_url).toBe(TYPE_URLS.cluster);
    expect(updated.resources.map((resource: any) => resource.resource.connect_timeout)).toEqual(['7s']);
    // No request in between: Envoy's subscription to the endpoints did not change.
    const again = await ads.next();
    expect(again.type_url).toBe(TYPE_URLS.endpoint);
    expect(again.resources.map((resource: any) => [resource.name, resource.version])).toEqual(endpoints.resources.map((resource: any) => [resource.name, resource.version]));
  });

  test('GIVEN a first request without a node WHEN it arrives THEN the stream fails with INVALID_ARGUMENT', async () => {
    const ads = open('sotw');
    ads.send({ type_url: TYPE_URLS.cluster });
    const error = await ads.failed() as Error & { code?: number };
    expect(error.code).toBe(3);
    expect(error.message).toContain('node.id');
  });

  test('GIVEN a delta stream WHEN the snapshot changes one resource THEN only that resource is sent, and removals are named', async () => {
    const ads = open('delta');
    ads.send({ node: NODE, type_url: TYPE_URLS.endpoint, resource_names_subscribe: ['backend'] });
    const first = await ads.next();
    expect(first.resources.map((resource: any) => resource.name)).toEqual(['backend']);
    ads.send({ type_url: TYPE_URLS.endpoint, response_nonce: first.nonce });

    ads.send({ type_url: TYPE_URLS.cluster });
    const clusters = await ads.next();
    expect(clusters.resources.map((resource: any) => resource.name)).toEqual(['backend']);
    ads.send({ type_url: TYPE_URLS.cluster, response_nonce: clusters.nonce });
    await waitUntil('the cluster ACK', () => server.status.toJson()[NODE.id][TYPE_URLS.cluster].ackedVersion !== undefined);

    cache.setSnapshot(NODE.id, buildSnapshot(httpFixture({ clusterName: 'renamed' }), encoder), ['t']);
    const clusterDelta = await ads.next();
    expect(clusterDelta.type_url).toBe(TYPE_URLS.cluster);
    expect(clusterDelta.resources.map((resource: any) => resource.name)).toEqual(['renamed']);
    expect(clusterDelta.removed_resources).toEqual(['backend']);
    const endpointDelta = await ads.next();
    expect(endpointDelta.removed_resources).toEqual(['backend']);
  });

  test('GIVEN an open stream WHEN the client goes away THEN the proxy is reported disconnected', async () => {
    const ads = open('sotw');
    ads.send({ node: NODE, type_url: TYPE_URLS.cluster });
    await ads.next();
    ads.close();
    await new Promise<void>((resolve) => {
      const check = () => (disconnected.includes(NODE.id) ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(disconnected).toContain(NODE.id);
  });
});
