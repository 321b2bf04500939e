import { TYPE_URLS } from '../../src/push/contract';
import { generateProxyResources } from '../../src/xds/generators';
import { findResource, resourcesOf } from '../support/simulate';
import { BOOKINFO, loadPushContext, productpageProxy } from './fixture-loader';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';

describe('CDS and EDS from DestinationRules and workloads', () => {
  const resources = generateProxyResources(loadPushContext(BOOKINFO), productpageProxy());

  test('GIVEN a DestinationRule connection pool WHEN clusters are generated THEN limits and timeouts follow it', () => {
    const cluster = findResource(resources, TYPE_URLS.cluster, `outbound|9080||${REVIEWS}`);
    expect(cluster.connect_timeout).toBe('0.25s');
    expect(cluster.circuit_breakers.thresholds[0]).toEqual({ max_connections: 100, max_pending_requests: 10, max_requests: 50, max_retries: 3 });
    const protocol = cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    expect(protocol.common_http_protocol_options).toEqual({ idle_timeout: '60s', max_requests_per_connection: 5 });
    expect(cluster.outlier_detection).toEqual({
      enforcing_success_rate: 0, consecutive_5xx: 5, enforcing_consecutive_5xx: 100, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 50,
    });
  });

  test.each([
    ['no minHealthPercent: panic routing off, as in Istio', '{ consecutive5xxErrors: 1 }', 0, undefined],
    ['minHealthPercent 40', '{ consecutive5xxErrors: 1, minHealthPercent: 40 }', 40, undefined],
    ['a base ejection time past Envoy\'s 300s cap', '{ consecutive5xxErrors: 1, baseEjectionTime: 10m }', 0, '600s'],
  ])('GIVEN outlier detection with %s WHEN the cluster is generated THEN panic threshold and ejection cap follow Istio', (_, outlier, panicThreshold, maxEjectionTime) => {
    const push = loadPushContext(BOOKINFO, `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: details, namespace: bookinfo }
spec: { host: details, trafficPolicy: { outlierDetection: ${outlier} } }
`);
    const cluster = findResource(generateProxyResources(push, productpageProxy()), TYPE_URLS.cluster, 'outbound|9080||details.bookinfo.svc.cluster.local');
    expect(cluster.common_lb_config).toEqual({ healthy_panic_threshold: { value: panicThreshold } });
    expect(cluster.outlier_detection.enforcing_success_rate).toBe(0);
    expect(cluster.outlier_detection.max_ejection_time).toBe(maxEjectionTime);
  });

  test('GIVEN a subset overriding connectionPool WHEN its cluster is generated THEN the whole field is replaced, others inherited', () => {
    const cluster = findResource(resources, TYPE_URLS.cluster, `outbound|9080|v2|${REVIEWS}`);
    expect(cluster.circuit_breakers.thresholds[0].max_connections).toBe(7);
    expect(cluster.circuit_breakers.thresholds[0].max_pending_requests).toBe(4294967295);
    expect(cluster.outlier_detection.consecutive_5xx).toBe(5);
  });

  test('GIVEN consistentHash by header WHEN ratings is routed THEN the cluster uses RING_HASH and the route hashes the header', () => {
    const cluster = findResource(resources, TYPE_URLS.cluster, 'outbound|9080||ratings.bookinfo.svc.cluster.local');
    expect(cluster.lb_policy).toBe('RING_HASH');
    expect(cluster.ring_hash_lb_config).toEqual({ minimum_ring_size: 1024 });
    const routes = findResource(resources, TYPE_URLS.route, '9080');
    const ratingsHost = routes.virtual_hosts.find((host: any) => host.name === 'ratings.bookinfo.svc.cluster.local:9080');
    expect(ratingsHost.routes.at(-1).route.hash_policy).toEqual([{ header: { header_name: 'x-user' } }]);
  });

  test.each([
    ['v1', ['127.0.1.11:9080']],
    ['v2', ['127.0.1.12:19080']],
    ['', ['127.0.1.11:9080', '127.0.1.12:19080', '127.0.1.13:9080']],
  ])('GIVEN reviews workloads WHEN EDS for subset "%s" is generated THEN only matching endpoints, on their mapped port', (subset, expected) => {
    const assignment = findResource(resources, TYPE_URLS.endpoint, `outbound|9080|${subset}|${REVIEWS}`);
    const addresses = assignment.endpoints.flatMap((locality: any) => locality.lb_endpoints)
      .map((entry: any) => `${entry.endpoint.address.socket_address.address}:${entry.endpoint.address.socket_address.port_value}`);
    expect(addresses).toEqual(expected);
  });

  test('GIVEN a named targetPort WHEN endpoints are generated THEN the WorkloadEntry port of that name is used', () => {
    const assignment = findResource(resources, TYPE_URLS.endpoint, 'outbound|9400||details.bookinfo.svc.cluster.local');
    expect(assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value).toBe(9401);
  });

  test('GIVEN a DNS ServiceEntry WHEN its cluster is generated THEN it resolves the host itself', () => {
    const cluster = findResource(resources, TYPE_URLS.cluster, 'outbound|80||httpbin.org');
    expect(cluster.type).toBe('STRICT_DNS');
    expect(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: 'httpbin.org', port_value: 80 });
    expect(resourcesOf(resources, TYPE_URLS.endpoint).map((assignment) => assignment.cluster_name)).not.toContain('outbound|80||httpbin.org');
    // As istiod: the mesh's default refresh, and the name server's TTL when it gives one.
    expect(cluster).toMatchObject({ dns_lookup_family: 'V4_ONLY', dns_refresh_rate: '60s', respect_dns_ttl: true });
  });

  test('GIVEN a DNS_ROUND_ROBIN ServiceEntry WHEN its cluster is generated THEN it is one logical host over its endpoint', () => {
    const push = loadPushContext(BOOKINFO, `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: legacy, namespace: bookinfo }
spec:
  hosts: [legacy.example.com]
  location: MESH_EXTERNAL
  resolution: DNS_ROUND_ROBIN
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  endpoints: [{ address: db.legacy.example.com }]
`);
    const cluster = findResource(generateProxyResources(push, productpageProxy()), TYPE_URLS.cluster, 'outbound|8080||legacy.example.com');
    expect(cluster).toMatchObject({ type: 'LOGICAL_DNS', dns_refresh_rate: '60s', respect_dns_ttl: true });
    expect(cluster.load_assignment.endpoints[0].lb_endpoints.map((entry: any) => entry.endpoint.address.socket_address))
      .toEqual([{ address: 'db.legacy.example.com', port_value: 8080 }]);
  });

  test('GIVEN identical config WHEN generated twice THEN the output is byte-identical', () => {
    const again = generateProxyResources(loadPushContext([...BOOKINFO].reverse()), productpageProxy());
    expect(JSON.stringify([...again])).toBe(JSON.stringify([...resources]));
  });
});
