import { TYPE_URLS } from '../../src/push/contract';
import type { ProxyResources, TypeUrl, XdsResource } from '../../src/push/contract';
import { ResourceEncoder, ResourceEncodingError } from '../../src/xds/codec';
import { buildSnapshot, DuplicateResourceError } from '../../src/xds/snapshot';
import { SnapshotCache } from '../../src/xds/snapshot-cache';
import { edsCluster, httpFixture, httpListener } from '../support/xds-fixtures';

function withType(resources: ProxyResources, typeUrl: TypeUrl, list: XdsResource[]): ProxyResources {
  return new Map([...resources, [typeUrl, list]]);
}

describe('snapshot', () => {
  const encoder = new ResourceEncoder();

  test('GIVEN only endpoints change WHEN a new snapshot is built THEN only the endpoint version changes', () => {
    const before = buildSnapshot(httpFixture({ endpoints: [{ address: '127.0.0.2', port: 80 }] }), encoder);
    const after = buildSnapshot(httpFixture({ endpoints: [{ address: '127.0.0.3', port: 80 }] }), encoder);
    expect(after.version(TYPE_URLS.endpoint)).not.toBe(before.version(TYPE_URLS.endpoint));
    for (const typeUrl of [TYPE_URLS.listener, TYPE_URLS.route, TYPE_URLS.cluster, TYPE_URLS.secret]) {
      expect(after.version(typeUrl)).toBe(before.version(typeUrl));
    }
  });

  test('GIVEN the same resources in another order WHEN built THEN every version is the same', () => {
    const base = httpFixture();
    const clusters = [edsCluster('a'), edsCluster('b')];
    const forward = buildSnapshot(withType(base, TYPE_URLS.cluster, clusters), encoder);
    const backward = buildSnapshot(withType(base, TYPE_URLS.cluster, [...clusters].reverse()), encoder);
    expect(backward.version(TYPE_URLS.cluster)).toBe(forward.version(TYPE_URLS.cluster));
  });

  test('GIVEN two resources of one type with one name WHEN built THEN it fails naming the resource', () => {
    const resources = withType(httpFixture(), TYPE_URLS.cluster, [edsCluster('x'), edsCluster('x')]);
    expect(() => buildSnapshot(resources, encoder)).toThrow(DuplicateResourceError);
    expect(() => buildSnapshot(resources, encoder)).toThrow("named 'x'");
  });

  test('GIVEN a resource with an unknown field WHEN built THEN it fails naming the resource', () => {
    const resources = withType(httpFixture(), TYPE_URLS.cluster, [{ name: 'bad', resource: { name: 'bad', colour: 'red' } }]);
    expect(() => buildSnapshot(resources, encoder)).toThrow(ResourceEncodingError);
    expect(() => buildSnapshot(resources, encoder)).toThrow("Cluster 'bad': $.colour");
  });
});

describe('snapshot cache', () => {
  const encoder = new ResourceEncoder();

  test.each([
    ['an EDS cluster without endpoints', TYPE_URLS.cluster, [edsCluster('backend'), edsCluster('orphan')],
      "cluster 'orphan' is of type EDS but no ClusterLoadAssignment named 'orphan'"],
    ['a listener naming a missing route', TYPE_URLS.listener, [httpListener('l', '127.0.0.1', 80, 'nowhere')],
      "listener 'l' uses RDS route configuration 'nowhere'"],
  ])('GIVEN %s WHEN published THEN it is refused and the previous snapshot stays current', (_, typeUrl, list, problem) => {
    const cache = new SnapshotCache();
    const good = buildSnapshot(httpFixture(), encoder);
    cache.setSnapshot('p1', good, ['test']);
    const result = cache.setSnapshot('p1', buildSnapshot(withType(httpFixture(), typeUrl, list), encoder), ['test']);
    expect(result).toEqual({ published: false, problems: [expect.stringContaining(problem)] });
    expect(cache.getSnapshot('p1')).toBe(good);
  });

  test('GIVEN a watcher WHEN a snapshot is published THEN it receives the snapshot and the reasons until it unsubscribes', () => {
    const cache = new SnapshotCache();
    const seen: string[][] = [];
    const unsubscribe = cache.watch('p1', (_snapshot, reasons) => seen.push([...reasons]));
    cache.setSnapshot('p1', buildSnapshot(httpFixture(), encoder), ['proxy:connected']);
    cache.setSnapshot('p2', buildSnapshot(httpFixture(), encoder), ['other']);
    unsubscribe();
    cache.setSnapshot('p1', buildSnapshot(httpFixture({ responseTag: 'v2' }), encoder), ['config:file-changed']);
    expect(seen).toEqual([['proxy:connected']]);
  });
});
