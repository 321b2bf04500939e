import { Gauge } from '../../src/ops/metrics';
import { ProxyRejections } from '../../src/ops/proxy-rejections';
import { TYPE_URLS } from '../../src/push/contract';
import type { RejectedResponse } from '../../src/xds/ads/ads-observer';
import type { EncodedResource } from '../../src/xds/codec';

const PROXY = 'sidecar~127.0.0.5~client-0.shop~shop.svc.cluster.local';
const AT = new Date('2024-05-01T08:00:00Z');

const resource = (name: string): EncodedResource => ({ name, typeUrl: TYPE_URLS.cluster, hash: name, bytes: new Uint8Array(), json: { name } });

function rejection(message: string, names: string[], changed: string[] = []): RejectedResponse {
  return { keptVersion: 'v1', rejectedVersion: 'v2', errorDetail: { code: 13, message }, resources: names.map(resource), changed: changed.map(resource) };
}

describe('config refused by proxies', () => {
  let gauge: Gauge;
  let rejections: ProxyRejections;

  beforeEach(() => {
    gauge = new Gauge('refusing', 'test');
    rejections = new ProxyRejections((_proxy, _type, sent) => [{ kind: 'DestinationRule', namespace: 'shop', name: `for-${sent.name}` }], gauge, () => AT);
  });

  test('GIVEN a NACK naming one of the clusters sent WHEN listed THEN only that cluster and its objects are shown, with Envoy\'s reason', () => {
    rejections.nacked(PROXY, TYPE_URLS.cluster, rejection('Error adding/updating cluster(s) b: bad lb policy', ['a', 'b', 'c'], ['c']));

    expect(rejections.toJson()).toEqual([{
      proxy: PROXY, typeUrl: TYPE_URLS.cluster, rejectedVersion: 'v2', keptVersion: 'v1',
      errorDetail: { code: 13, message: 'Error adding/updating cluster(s) b: bad lb policy' },
      resources: ['b'], resourcesSent: 3, objects: [{ kind: 'DestinationRule', namespace: 'shop', name: 'for-b' }], at: AT.toISOString(),
    }]);
    expect(gauge.get({ type: 'Cluster' })).toBe(1);
  });

  test('GIVEN a NACK whose message names no resource WHEN listed THEN the resources changed since the last ACK are shown', () => {
    rejections.nacked(PROXY, TYPE_URLS.cluster, rejection('invalid perl operator: (?=', ['a', 'b', 'c'], ['b']));
    expect(rejections.toJson()[0]).toMatchObject({ resources: ['b'], resourcesSent: 3, objects: [{ name: 'for-b' }] });
  });

  test('GIVEN a NACK naming nothing and nothing changed (e.g. a first response) WHEN listed THEN every resource of the response is shown', () => {
    rejections.nacked(PROXY, TYPE_URLS.cluster, rejection('invalid regex', ['a', 'b']));
    expect(rejections.toJson()[0]).toMatchObject({ resources: ['a', 'b'], objects: [{ name: 'for-a' }, { name: 'for-b' }] });
  });

  test('GIVEN a NACK WHEN the proxy re-requests without a newer response (same nonce, old version) THEN the entry stays; an ACK after a newer response clears it', () => {
    rejections.nacked(PROXY, TYPE_URLS.cluster, rejection('bad', ['a']));
    rejections.acked(PROXY, TYPE_URLS.cluster);
    expect(rejections.toJson()).toHaveLength(1);

    rejections.responseSent(PROXY, TYPE_URLS.cluster);
    rejections.acked(PROXY, TYPE_URLS.cluster);
    expect(rejections.toJson()).toEqual([]);
    expect(gauge.get({ type: 'Cluster' })).toBe(0);
  });

  test('GIVEN NACKs of two proxies WHEN one disconnects THEN only the other stays counted', () => {
    rejections.nacked(PROXY, TYPE_URLS.cluster, rejection('bad', ['a']));
    rejections.nacked('other', TYPE_URLS.cluster, rejection('bad', ['a']));
    expect(gauge.get({ type: 'Cluster' })).toBe(2);
    rejections.forget(PROXY);
    expect(rejections.toJson().map((entry) => entry.proxy)).toEqual(['other']);
    expect(gauge.get({ type: 'Cluster' })).toBe(1);
  });

  test('GIVEN a very long Envoy message WHEN listed THEN it is cut and says how long it was', () => {
    rejections.nacked(PROXY, TYPE_URLS.cluster, rejection('x'.repeat(10_000), ['a']));
    const message = rejections.toJson()[0].errorDetail.message;
    expect(message).toHaveLength(4096 + '… (10000 characters)'.length);
    expect(message.endsWith('… (10000 characters)')).toBe(true);
  });
});
