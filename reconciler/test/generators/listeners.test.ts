import { TYPE_URLS } from '../../src/push/contract';
import { generateProxyResources } from '../../src/xds/generators';
import { findResource, resourcesOf, simulate } from '../support/simulate';
import { BOOKINFO, loadPushContext, productpageProxy, proxy } from './fixture-loader';

const names = (resources: ReturnType<typeof generateProxyResources>, typeUrl: string) => resourcesOf(resources, typeUrl).map((resource) => resource.name);

describe('listeners per interception mode', () => {
  test('GIVEN a REDIRECT proxy WHEN listeners are generated THEN capture listeners and per-port listeners that bind nothing', () => {
    const resources = generateProxyResources(loadPushContext(BOOKINFO), productpageProxy('REDIRECT'));
    expect(names(resources, TYPE_URLS.listener)).toEqual(['0.0.0.0_3306', '0.0.0.0_80', '0.0.0.0_9080', '0.0.0.0_9400', 'virtualInbound', 'virtualOutbound']);
    const outbound = findResource(resources, TYPE_URLS.listener, 'virtualOutbound');
    expect(outbound.use_original_dst).toBe(true);
    expect(outbound.address.socket_address.port_value).toBe(15001);
    expect(findResource(resources, TYPE_URLS.listener, '0.0.0.0_9080').bind_to_port).toBe(false);
    const inbound = findResource(resources, TYPE_URLS.listener, 'virtualInbound');
    expect(inbound.listener_filters[0].name).toBe('envoy.filters.listener.original_dst');
    expect(inbound.filter_chains.map((chain: any) => chain.filter_chain_match.destination_port)).toEqual([9080]);
    expect(findResource(resources, TYPE_URLS.cluster, 'inbound|9080||').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address)
      .toEqual({ address: '127.0.0.1', port_value: 9080 });
  });

  test('GIVEN TCP services WHEN a REDIRECT proxy gets their port listener THEN tcp_proxy chains match the service IP', () => {
    const resources = generateProxyResources(loadPushContext(BOOKINFO), productpageProxy('REDIRECT'));
    const mysql = findResource(resources, TYPE_URLS.listener, '0.0.0.0_3306');
    expect(mysql.filter_chains[0].filter_chain_match.prefix_ranges).toEqual([{ address_prefix: '10.0.0.33', prefix_len: 32 }]);
    expect(mysql.filter_chains[0].filters[0].typed_config.cluster).toBe('outbound|3306||mysql.storage.svc.cluster.local');
  });

  test('GIVEN a NONE proxy without Sidecar WHEN listeners are generated THEN each service port binds the instance IP, no inbound', () => {
    const resources = generateProxyResources(loadPushContext(BOOKINFO), productpageProxy('NONE'));
    expect(names(resources, TYPE_URLS.listener)).toEqual(['127.0.1.1_3306', '127.0.1.1_80', '127.0.1.1_9080', '127.0.1.1_9400']);
    expect(simulate(resources, { host: 'reviews', port: 9080, headers: { 'end-user': 'jason' } }).cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local');
  });

  test('GIVEN a Sidecar with ingress and scoped egress WHEN a NONE proxy is generated THEN listeners bind as declared and only egress hosts are visible', () => {
    const sidecar = `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: reviews, namespace: bookinfo }
spec:
  workloadSelector: { labels: { app: reviews } }
  ingress:
  - { port: { number: 9080, name: http }, defaultEndpoint: "127.0.0.1:19080" }
  egress:
  - { port: { number: 9080, name: http }, bind: 127.0.2.2, hosts: ["./ratings.bookinfo.svc.cluster.local"] }
`;
    const reviews = proxy({ name: 'reviews-v1', namespace: 'bookinfo', labels: { app: 'reviews', version: 'v1' }, instanceIp: '127.0.1.11', interceptionMode: 'NONE' });
    const resources = generateProxyResources(loadPushContext(BOOKINFO, sidecar), reviews);
    expect(names(resources, TYPE_URLS.listener)).toEqual(['127.0.2.2_9080', 'inbound|127.0.1.11_9080']);
    expect(findResource(resources, TYPE_URLS.cluster, 'inbound|9080||').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address)
      .toEqual({ address: '127.0.0.1', port_value: 19080 });
    const hosts = findResource(resources, TYPE_URLS.route, '9080').virtual_hosts.map((host: any) => host.name);
    expect(hosts).toEqual(['ratings.bookinfo.svc.cluster.local:9080']);
    expect(names(resources, TYPE_URLS.cluster)).not.toContain('outbound|80||httpbin.org');
    // Its own service stays configured (clusters), though this egress listener does not route to it.
    expect(names(resources, TYPE_URLS.cluster)).toContain('outbound|9080||reviews.bookinfo.svc.cluster.local');
  });

  test('GIVEN a dependency annotation on the workload WHEN generated THEN only those services and its own are configured', () => {
    const annotated = `
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: caller, namespace: bookinfo, annotations: { mesh.cdk8s.io/dependencies: "mysql.storage" } }
spec: { address: 127.0.3.1, labels: { app: details } }
`;
    const caller = proxy({ name: 'caller', namespace: 'bookinfo', labels: { app: 'details' } });
    const clusters = names(generateProxyResources(loadPushContext(BOOKINFO, annotated), caller), TYPE_URLS.cluster)
      .filter((name) => name.startsWith('outbound|') && !name.includes('|v'));
    expect(clusters).toEqual(['outbound|3306||mysql.storage.svc.cluster.local', 'outbound|9080||details.bookinfo.svc.cluster.local', 'outbound|9400||details.bookinfo.svc.cluster.local']);
  });

  test('GIVEN egress listeners with ports WHEN a proxy is generated THEN a service is configured only on the ports a listener names, and not at all without one', () => {
    const sidecar = `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: productpage, namespace: bookinfo }
spec:
  workloadSelector: { labels: { app: productpage } }
  egress:
  - { port: { number: 9400, name: grpc, protocol: GRPC }, hosts: ["./details.bookinfo.svc.cluster.local"] }
  - { port: { number: 9999, name: http-other, protocol: HTTP }, hosts: ["./ratings.bookinfo.svc.cluster.local"] }
  - { hosts: ["./reviews.bookinfo.svc.cluster.local"] }
`;
    const clusters = names(generateProxyResources(loadPushContext(BOOKINFO, sidecar), productpageProxy('REDIRECT')), TYPE_URLS.cluster)
      .filter((name) => name.startsWith('outbound|') && !/\|v\d\|/.test(name));

    expect(clusters).toEqual([
      'outbound|9080||productpage.bookinfo.svc.cluster.local',
      'outbound|9080||reviews.bookinfo.svc.cluster.local',
      'outbound|9400||details.bookinfo.svc.cluster.local',
    ]);
  });
});
