import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { manifest, meshChart, reviewsService } from './fixtures';
import { RoutePriority } from '../../src/private/contributions';
import { expectValidManifests } from '../support/istio-validation';

const HOST = 'reviews.bookinfo.svc.cluster.local';

function twoVersionService() {
  const { chart, mesh } = meshChart();
  const service = reviewsService(chart, mesh);
  service.addVersion('v2', { image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' });
  const feature = (id: string) => new Construct(chart, id).node.path;
  return { chart, service, feature };
}

describe('MeshService contributions', () => {
  test('GIVEN routes of different priorities WHEN synthesized THEN the most specific comes first and the default route last', () => {
    const { chart, service, feature } = twoVersionService();
    service._contributeRoute({
      contributor: feature('weights'),
      priority: RoutePriority.MATCHED - 50,
      http: {
        match: [{ uri: { prefix: '/beta' } }], route: [{ destination: { host: HOST, subset: 'v2' } }],
      },
    });
    service._contributeRoute({
      contributor: feature('ab'),
      priority: RoutePriority.MATCHED,
      http: {
        match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: HOST, subset: 'v2' } }],
      },
    });
    const manifests = Testing.synth(chart);
    const http = manifest(manifests, 'VirtualService', 'reviews').spec.http;

    expect(http.map((route: any) => route.match?.[0] ?? 'default')).toEqual([
      { headers: { 'end-user': { exact: 'jason' } } }, { uri: { prefix: '/beta' } }, 'default',
    ]);
    expectValidManifests(manifests);
  });

  test('GIVEN a catch-all route WHEN synthesized THEN it replaces the default route', () => {
    const { chart, service, feature } = twoVersionService();
    service._contributeRoute({
      contributor: feature('canary'),
      priority: RoutePriority.CATCH_ALL,
      http: {
        route: [{ destination: { host: HOST, subset: 'v1' }, weight: 90 }, { destination: { host: HOST, subset: 'v2' }, weight: 10 }],
      },
    });
    const http = manifest(Testing.synth(chart), 'VirtualService', 'reviews').spec.http;
    expect(http).toHaveLength(1);
    expect(http[0].route.map((r: any) => r.weight)).toEqual([90, 10]);
  });

  test('GIVEN a route policy WHEN synthesized THEN it applies to every route, the default one included', () => {
    const { chart, service, feature } = twoVersionService();
    service._contributeRoute({
      contributor: feature('ab'),
      priority: RoutePriority.MATCHED,
      http: {
        match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: HOST, subset: 'v2' } }],
      },
    });
    service._contributeRoutePolicy({ contributor: feature('retries'), policy: { retries: { attempts: 3, perTryTimeout: '2s' }, timeout: '10s' } });
    const manifests = Testing.synth(chart);
    const http = manifest(manifests, 'VirtualService', 'reviews').spec.http;
    expect(http.map((route: any) => [route.retries, route.timeout])).toEqual([
      [{ attempts: 3, perTryTimeout: '2s' }, '10s'], [{ attempts: 3, perTryTimeout: '2s' }, '10s'],
    ]);
    expectValidManifests(manifests);
  });

  test('GIVEN traffic policy fragments on distinct fields WHEN synthesized THEN they merge, host-wide and per subset', () => {
    const { chart, service, feature } = twoVersionService();
    service._contributeTrafficPolicy({ contributor: feature('breaker'), trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } } } });
    service._contributeTrafficPolicy({ contributor: feature('mtls'), trafficPolicy: { connectionPool: { http: { http1MaxPendingRequests: 5 } } } });
    service._contributeTrafficPolicy({ contributor: feature('outliers'), subset: 'v2', trafficPolicy: { outlierDetection: { consecutive5XxErrors: 2 } } });
    const manifests = Testing.synth(chart);
    const spec = manifest(manifests, 'DestinationRule', 'reviews').spec;

    expect(spec.trafficPolicy).toEqual({ connectionPool: { tcp: { maxConnections: 10 }, http: { http1MaxPendingRequests: 5 } } });
    expect(spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 2 } } },
    ]);
    expectValidManifests(manifests);
  });

  test.each([
    ['two traffic policies set the same field', (s: any, f: (id: string) => string) => {
      s._contributeTrafficPolicy({ contributor: f('a'), trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } } } });
      s._contributeTrafficPolicy({ contributor: f('b'), trafficPolicy: { connectionPool: { tcp: { maxConnections: 20 } } } });
    }, /trafficPolicy field 'connectionPool.tcp.maxConnections' is set by both "test\/a" and "test\/b"/],
    ['two traffic policies of one subset set the same field', (s: any, f: (id: string) => string) => {
      s._contributeTrafficPolicy({ contributor: f('a'), subset: 'v1', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
      s._contributeTrafficPolicy({ contributor: f('b'), subset: 'v1', trafficPolicy: { tls: { mode: 'DISABLE', sni: 'x' } } });
      s._contributeTrafficPolicy({ contributor: f('c'), subset: 'v1', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } });
    }, /trafficPolicy field of subset "v1" 'tls.mode' is set by both "test\/a" and "test\/b"/],
    ['two route policies set retries', (s: any, f: (id: string) => string) => {
      s._contributeRoutePolicy({ contributor: f('a'), policy: { retries: { attempts: 1 } } });
      s._contributeRoutePolicy({ contributor: f('b'), policy: { retries: { attempts: 2 } } });
    }, /http route field 'retries.attempts' is set by both "test\/a" and "test\/b"/],
    ['a route policy sets a field a route sets', (s: any, f: (id: string) => string) => {
      s._contributeRoutePolicy({ contributor: f('a'), policy: { timeout: '1s' } });
      s._contributeRoute({ contributor: f('b'), priority: 1, http: { timeout: '5s', route: [{ destination: { host: HOST } }] } });
    }, /http route field 'timeout' is set by both "test\/a" and "test\/b"/],
    ['two routes have the same match', (s: any, f: (id: string) => string) => {
      s._contributeRoute({ contributor: f('a'), priority: 1, http: { match: [{ uri: { exact: '/x' } }], route: [{ destination: { host: HOST } }] } });
      s._contributeRoute({ contributor: f('b'), priority: 2, http: { match: [{ uri: { exact: '/x' } }], route: [{ destination: { host: HOST } }] } });
    }, /routes of "test\/a" and "test\/b" have the same match/],
    ['a route names an unknown subset', (s: any, f: (id: string) => string) => {
      s._contributeRoute({ contributor: f('a'), priority: 1, http: { route: [{ destination: { host: HOST, subset: 'v9' } }] } });
    }, /route of "test\/a": 'subset' is "v9"; no such version. Known subsets \(versions\) are \["v1","v2"\]/],
    ['a traffic policy names an unknown subset', (s: any, f: (id: string) => string) => {
      s._contributeTrafficPolicy({ contributor: f('a'), subset: 'v9', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
    }, /traffic policy of "test\/a": 'subset' is "v9"; no such version/],
  ])('GIVEN %s WHEN synthesized THEN validation fails naming the service and the contributors', (_case, contribute, message) => {
    const { chart, service, feature } = twoVersionService();
    contribute(service, feature);
    expect(() => Testing.synth(chart)).toThrow(/\[test\/reviews\]/);
    expect(() => Testing.synth(chart)).toThrow(message);
  });
});
