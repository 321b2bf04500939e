/**
 * Proxyless gRPC clients (`GENERATOR: grpc`) get API listeners named `<host>:<port>` over RDS and
 * only the clusters and endpoint shapes gRPC's xDS client accepts; sidecars are unaffected.
 */
import { TYPE_URLS } from '../../src/push/contract';
import { ResourceEncoder } from '../../src/xds/codec';
import { generateProxyResources } from '../../src/xds/generators';
import { buildSnapshot } from '../../src/xds/snapshot';
import { GENERATOR_METADATA } from '../../src/xds/translate/proxyless-listeners';
import { findResource, resourcesOf } from '../support/simulate';
import { BOOKINFO, loadPushContext, proxy } from './fixture-loader';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const push = loadPushContext(BOOKINFO);
const grpcClient = proxy({ name: 'grpc-client', namespace: 'bookinfo', metadata: { [GENERATOR_METADATA.key]: GENERATOR_METADATA.grpc } });
const resources = generateProxyResources(push, grpcClient);

describe('proxyless gRPC clients', () => {
  test.each([
    [`${REVIEWS}:9080`],
    ['reviews.bookinfo.svc:9080'],
    ['reviews.bookinfo:9080'],
    ['reviews:9080'],
  ])('GIVEN a gRPC client WHEN listeners are generated THEN %s is an API listener fetching route 9080 over ADS, router last', (name) => {
    const listener = findResource(resources, TYPE_URLS.listener, name);
    expect(listener.address).toBeUndefined();
    const manager = listener.api_listener.api_listener;
    expect(manager['@type']).toBe('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    expect(manager.rds).toEqual({ config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: '9080' });
    expect(manager.http_filters.map((filter: { name: string }) => filter.name)).toEqual(['envoy.filters.http.router']);
  });

  test('GIVEN a gRPC client WHEN listeners are generated THEN none binds a socket and TCP-only ports get none', () => {
    const names = resourcesOf(resources, TYPE_URLS.listener).map((listener) => listener.name);
    expect(names.some((name) => name.endsWith(':9400') || name.endsWith(':3306'))).toBe(false);
    expect(resourcesOf(resources, TYPE_URLS.listener).every((listener) => listener.address === undefined)).toBe(true);
  });

  test('GIVEN a gRPC client WHEN clusters and routes are generated THEN only EDS/DNS clusters and no catch-all virtual host remain', () => {
    const types = new Set(resourcesOf(resources, TYPE_URLS.cluster).map((cluster) => cluster.type));
    expect([...types].every((type) => type === 'EDS' || type === 'LOGICAL_DNS')).toBe(true);
    expect(resourcesOf(resources, TYPE_URLS.cluster).map((cluster) => cluster.name)).toContain(`outbound|9080|v2|${REVIEWS}`);
    const domains = findResource(resources, TYPE_URLS.route, '9080').virtual_hosts.flatMap((host: { domains: string[] }) => host.domains);
    expect(domains).toContain(`${REVIEWS}:9080`);
    expect(domains).not.toContain('*');
  });

  test.each([
    ['LEAST_REQUEST (the default)', '', 'ROUND_ROBIN'],
    ['RANDOM', 'trafficPolicy: { loadBalancer: { simple: RANDOM } }', 'ROUND_ROBIN'],
    ['a consistent hash', 'trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } } }', 'RING_HASH'],
  ])('GIVEN %s on productpage WHEN a gRPC client\'s clusters are generated THEN the balancer is one gRPC implements', (_, policy, expected) => {
    const withPolicy = loadPushContext(BOOKINFO, policy ? `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: productpage-balancer, namespace: bookinfo }
spec: { host: productpage, ${policy} }
` : '');
    const cluster = findResource(generateProxyResources(withPolicy, grpcClient), TYPE_URLS.cluster, 'outbound|9080||productpage.bookinfo.svc.cluster.local');
    expect(cluster.lb_policy ?? 'ROUND_ROBIN').toBe(expected);
    expect(cluster.least_request_lb_config).toBeUndefined();
  });

  test('GIVEN a gRPC client WHEN endpoints are generated THEN every locality group has a locality and a weight', () => {
    const assignment = findResource(resources, TYPE_URLS.endpoint, `outbound|9080|v1|${REVIEWS}`);
    expect(assignment.endpoints.length).toBeGreaterThan(0);
    for (const group of assignment.endpoints) {
      expect(group).toMatchObject({ locality: {}, load_balancing_weight: 1 });
    }
  });

  test.each([35, 0])('GIVEN a rollout serving %i %% of reviews\' split to v3 WHEN a gRPC client\'s routes are generated THEN its split carries that weight and the header rule still goes to v2', (weight) => {
    const rollout = { namespace: 'bookinfo', virtualService: 'reviews', route: 'split', stable: 'v1', canary: 'v3', canaryWeight: weight };
    const routes = findResource(generateProxyResources(loadPushContext(BOOKINFO, '', {}, [rollout]), grpcClient), TYPE_URLS.route, '9080');
    const reviews = routes.virtual_hosts.find((host: { domains: string[] }) => host.domains.includes(`${REVIEWS}:9080`));
    const byName = (name: string) => reviews.routes.find((route: { name: string }) => route.name === name).route;
    const served = (byName('split').weighted_clusters?.clusters ?? [{ name: byName('split').cluster, weight: 100 }]) as { name: string; weight: number }[];
    expect(served.filter((cluster) => cluster.weight > 0)).toEqual([
      { name: `outbound|9080|v1|${REVIEWS}`, weight: 100 - weight },
      ...(weight > 0 ? [{ name: `outbound|9080|v3|${REVIEWS}`, weight }] : []),
    ]);
    expect(byName('jason').cluster).toBe(`outbound|9080|v2|${REVIEWS}`);
  });

  test('GIVEN a gRPC client WHEN its resources are encoded THEN every one is a valid Envoy v3 message', () => {
    expect(() => buildSnapshot(resources, new ResourceEncoder())).not.toThrow();
  });

  test('GIVEN a sidecar without the gRPC generator metadata WHEN listeners are generated THEN it keeps socket listeners', () => {
    const sidecar = generateProxyResources(push, proxy({ name: 'productpage-1', namespace: 'bookinfo' }));
    expect(resourcesOf(sidecar, TYPE_URLS.listener).some((listener) => listener.api_listener !== undefined)).toBe(false);
    expect(resourcesOf(sidecar, TYPE_URLS.listener).map((listener) => listener.name)).toContain('0.0.0.0_9080');
  });
});
