import { ProxyIdentity, ProxyResources, TYPE_URLS, TypeUrl } from '../../src/push/contract';
import { generateProxyResources } from '../../src/xds/generators';
import { findResource } from '../support/simulate';
import { BOOKINFO, loadPushContext, proxy } from './fixture-loader';

/** A rule that only the reviews workloads see, so their details cluster differs from everyone else's. */
const REVIEWS_ONLY_RULE = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: details-from-reviews, namespace: bookinfo }
spec:
  host: details
  workloadSelector: { matchLabels: { app: reviews } }
  trafficPolicy: { connectionPool: { tcp: { maxConnections: 3 } } }
`;

const PROXIES: Record<string, ProxyIdentity> = {
  'productpage': proxy({ name: 'productpage-1', namespace: 'bookinfo', labels: { app: 'productpage', version: 'v1' }, instanceIp: '127.0.1.1' }),
  'productpage-2': proxy({ name: 'productpage-2', namespace: 'bookinfo', labels: { app: 'productpage', version: 'v2' }, instanceIp: '127.0.1.2' }),
  'reviews-v1': proxy({ name: 'reviews-v1', namespace: 'bookinfo', labels: { app: 'reviews', version: 'v1' }, instanceIp: '127.0.1.11' }),
  'details': proxy({ name: 'details-1', namespace: 'bookinfo', labels: { app: 'details', version: 'v1' }, instanceIp: '127.0.1.14' }),
  'mysql': proxy({ name: 'mysql-1', namespace: 'storage', labels: { app: 'mysql' }, instanceIp: '127.0.1.30' }),
  'productpage-none': proxy({ name: 'productpage-1', namespace: 'bookinfo', labels: { app: 'productpage', version: 'v1' }, instanceIp: '127.0.1.1', interceptionMode: 'NONE' }),
};

const SHARED_TYPES: TypeUrl[] = [TYPE_URLS.cluster, TYPE_URLS.endpoint, TYPE_URLS.route];

function content(resources: ProxyResources): Record<string, unknown[]> {
  return Object.fromEntries([...resources].map(([typeUrl, list]) => [typeUrl, list.map((resource) => resource.resource)]));
}

describe('generation shared between proxies of one push', () => {
  test.each(Object.keys(PROXIES))('GIVEN every other proxy generated first from the same push WHEN %s is generated THEN it equals its generation from a push of its own', (name) => {
    const shared = loadPushContext(BOOKINFO, REVIEWS_ONLY_RULE);
    for (const other of Object.values(PROXIES)) generateProxyResources(shared, other);
    const alone = generateProxyResources(loadPushContext(BOOKINFO, REVIEWS_ONLY_RULE), PROXIES[name]);
    expect(content(generateProxyResources(shared, PROXIES[name]))).toEqual(content(alone));
  });

  test('GIVEN two proxies whose labels differ only where no routing selector looks WHEN generated THEN they share the cluster, endpoint and route lists', () => {
    const push = loadPushContext(BOOKINFO, REVIEWS_ONLY_RULE);
    const first = generateProxyResources(push, PROXIES.productpage);
    const second = generateProxyResources(push, PROXIES['productpage-2']);
    for (const typeUrl of SHARED_TYPES) expect(second.get(typeUrl)).toBe(first.get(typeUrl));
  });

  test.each([
    ['a DestinationRule workloadSelector', 'reviews-v1', TYPE_URLS.cluster, 'outbound|9080||details.bookinfo.svc.cluster.local'],
    ['a VirtualService sourceLabels match', 'details', TYPE_URLS.route, '9080'],
    ['the namespace (short host names)', 'mysql', TYPE_URLS.route, '9080'],
    ['the interception mode', 'productpage-none', TYPE_URLS.route, '9080'],
  ])('GIVEN proxies told apart by %s WHEN generated THEN the resource differs from productpage\'s', (_, other, typeUrl, resourceName) => {
    const push = loadPushContext(BOOKINFO, REVIEWS_ONLY_RULE);
    const productpage = generateProxyResources(push, PROXIES.productpage);
    const resources = generateProxyResources(push, PROXIES[other]);
    expect(findResource(resources, typeUrl, resourceName)).not.toEqual(findResource(productpage, typeUrl, resourceName));
  });

  test('GIVEN two captured proxies with the same outbound ports and services WHEN generated THEN they share the outbound listener objects, while inbound ones are built per workload', () => {
    const push = loadPushContext(BOOKINFO, REVIEWS_ONLY_RULE);
    const listeners = (resources: ProxyResources, direction: string) => (resources.get(TYPE_URLS.listener) ?? [])
      .filter((listener) => listener.resource.traffic_direction === direction).map((listener) => listener.resource);
    const first = generateProxyResources(push, PROXIES.productpage);
    const second = generateProxyResources(push, PROXIES['reviews-v1']);
    expect(listeners(first, 'OUTBOUND').length).toBeGreaterThan(1);
    listeners(second, 'OUTBOUND').forEach((listener, index) => expect(listener).toBe(listeners(first, 'OUTBOUND')[index]));
    expect(listeners(second, 'INBOUND')[0]).not.toBe(listeners(first, 'INBOUND')[0]);
  });

  test('GIVEN proxies in different scopes WHEN generated THEN a cluster that does not depend on the scope is one shared object', () => {
    const push = loadPushContext(BOOKINFO, REVIEWS_ONLY_RULE);
    const mysql = 'outbound|3306||mysql.storage.svc.cluster.local';
    const fromBookinfo = generateProxyResources(push, PROXIES.productpage);
    const fromStorage = generateProxyResources(push, PROXIES.mysql);
    expect(fromStorage.get(TYPE_URLS.cluster)).not.toBe(fromBookinfo.get(TYPE_URLS.cluster));
    expect(findResource(fromStorage, TYPE_URLS.cluster, mysql)).toBe(findResource(fromBookinfo, TYPE_URLS.cluster, mysql));
  });

  test('GIVEN a generated push WHEN the config changes THEN the next push generates from the new config', () => {
    const before = generateProxyResources(loadPushContext(BOOKINFO), PROXIES.productpage);
    const after = generateProxyResources(loadPushContext(BOOKINFO, REVIEWS_ONLY_RULE.replace('{ app: reviews }', '{ app: productpage }')), PROXIES.productpage);
    const details = 'outbound|9080||details.bookinfo.svc.cluster.local';
    expect(findResource(before, TYPE_URLS.cluster, details).circuit_breakers?.thresholds[0].max_connections).not.toBe(3);
    expect(findResource(after, TYPE_URLS.cluster, details).circuit_breakers.thresholds[0].max_connections).toBe(3);
  });

  test('GIVEN proxies in NONE mode with different instance IPs WHEN generated THEN each listener binds its own address', () => {
    const push = loadPushContext(BOOKINFO);
    const addresses = ['127.0.1.1', '127.0.1.2'].map((instanceIp) => {
      const resources = generateProxyResources(push, { ...PROXIES['productpage-none'], instanceIp });
      return (resources.get(TYPE_URLS.listener) ?? []).map((listener) => (listener.resource.address as any).socket_address.address);
    });
    expect(new Set(addresses[0])).toEqual(new Set(['127.0.1.1']));
    expect(new Set(addresses[1])).toEqual(new Set(['127.0.1.2']));
  });
});
