import { TYPE_URLS } from '../../src/push/contract';
import { generateProxyResources } from '../../src/xds/generators';
import { simulate } from '../support/simulate';
import { BOOKINFO, loadPushContext, productpageProxy, proxy } from './fixture-loader';

describe('outbound HTTP routing, simulated', () => {
  const push = loadPushContext(BOOKINFO);

  test.each([
    ['header match routes jason to v2', { host: 'reviews', headers: { 'end-user': 'jason' } }, 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local'],
    ['sourceLabels match applies to productpage', { host: 'reviews.bookinfo', path: '/api/x' }, 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local'],
    ['ratings default route, FQDN with port', { host: 'ratings.bookinfo.svc.cluster.local:9080', path: '/r' }, 'outbound|9080||ratings.bookinfo.svc.cluster.local'],
    ['no VirtualService: whole service', { host: 'details.bookinfo.svc', path: '/' }, 'outbound|9080||details.bookinfo.svc.cluster.local'],
    ['cluster IP reaches the service', { host: '10.0.0.12' }, 'outbound|9080||details.bookinfo.svc.cluster.local'],
    ['the absolute name, with its trailing dot', { host: 'details.bookinfo.svc.cluster.local.' }, 'outbound|9080||details.bookinfo.svc.cluster.local'],
    ['the absolute name with the port', { host: 'ratings.bookinfo.svc.cluster.local.:9080', path: '/r' }, 'outbound|9080||ratings.bookinfo.svc.cluster.local'],
  ])('GIVEN bookinfo WHEN productpage calls (%s) THEN the request reaches the expected cluster', (_, request, cluster) => {
    const resources = generateProxyResources(push, productpageProxy());
    expect(simulate(resources, { port: 9080, ...request }).cluster).toBe(cluster);
  });

  test('GIVEN an 80/20 split WHEN an anonymous request goes to reviews THEN weights follow the VirtualService', () => {
    const outcome = simulate(generateProxyResources(push, productpageProxy()), { host: 'reviews', port: 9080, path: '/' });
    expect(outcome.weightedClusters).toEqual([
      { name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local', weight: 80 },
      { name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local', weight: 20 },
    ]);
    expect(outcome.route.route.request_mirror_policies).toEqual([{
      cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
      runtime_fraction: { default_value: { numerator: 100000, denominator: 'MILLION' } },
      disable_shadow_host_suffix_append: true,
    }]);
  });

  test('GIVEN a sourceLabels match WHEN a proxy without those labels calls THEN the match does not apply to it', () => {
    const ratingsProxy = proxy({ name: 'ratings-1', namespace: 'bookinfo', labels: { app: 'ratings' } });
    const outcome = simulate(generateProxyResources(push, ratingsProxy), { host: 'reviews', port: 9080, path: '/api/x' });
    expect(outcome.route.name).toBe('split');
  });

  test.each([
    ['bookinfo', 'x-mesh'],
    ['other', undefined],
  ])('GIVEN a sourceNamespace match WHEN a proxy in %s calls ratings THEN the delay applies only to namespace other', (namespace, headerSet) => {
    const caller = proxy({ name: 'caller', namespace });
    const outcome = simulate(generateProxyResources(push, caller), { host: 'ratings.bookinfo.svc.cluster.local', port: 9080, path: '/x' });
    expect(outcome.cluster).toBe('outbound|9080||ratings.bookinfo.svc.cluster.local');
    expect(outcome.route.request_headers_to_add?.[0]?.header.key).toBe(headerSet);
    expect(outcome.route.typed_per_filter_config?.['envoy.filters.http.fault']?.delay?.fixed_delay).toBe(namespace === 'other' ? '7s' : undefined);
  });

  test('GIVEN a redirect rule WHEN /legacy is requested THEN a 302 to the new path is answered', () => {
    const outcome = simulate(generateProxyResources(push, productpageProxy()), { host: 'ratings.bookinfo.svc.cluster.local', port: 9080, path: '/legacy' });
    expect(outcome.redirect).toEqual({ path_redirect: '/v2/ratings', response_code: 'FOUND' });
  });

  test('GIVEN a proxy in another namespace WHEN it uses the bare short name THEN it is not a domain of that service', () => {
    const caller = proxy({ name: 'caller', namespace: 'other' });
    const outcome = simulate(generateProxyResources(push, caller), { host: 'details', port: 9080 });
    expect(outcome.virtualHost).toBe('allow_any');
    expect(outcome.cluster).toBe('PassthroughCluster');
  });

  test.each([
    ['ALLOW_ANY', { cluster: 'PassthroughCluster' }],
    ['REGISTRY_ONLY', { directResponse: { status: 502 } }],
  ] as const)('GIVEN outbound policy %s WHEN an unknown host is called THEN the catch-all decides', (mode, expected) => {
    const scopedPush = loadPushContext(BOOKINFO, '', { outboundTrafficPolicy: mode });
    const outcome = simulate(generateProxyResources(scopedPush, productpageProxy()), { host: 'unknown.example.com', port: 9080 });
    expect(outcome).toMatchObject(expected);
    const virtualOutbound = generateProxyResources(scopedPush, productpageProxy()).get(TYPE_URLS.listener)!
      .find((listener) => listener.name === 'virtualOutbound')!.resource as any;
    expect(virtualOutbound.filter_chains[0].filters[0].typed_config.cluster).toBe(mode === 'ALLOW_ANY' ? 'PassthroughCluster' : 'BlackHoleCluster');
  });
});
