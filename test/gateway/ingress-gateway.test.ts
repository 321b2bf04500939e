import { Testing } from 'cdk8s';
import { GatewayServiceType, IngressGateway } from '../../src';
import { expectValidManifests } from '../support/istio-validation';
import { bookinfoChart, errorOf, REVIEWS_HOST, validationErrors } from '../traffic/fixtures';

function find(manifests: any[], kind: string, name: string): any {
  return manifests.find(m => m.kind === kind && m.metadata.name === name);
}

describe('IngressGateway', () => {
  test('GIVEN HTTP and HTTPS servers WHEN synthesized THEN the Gateway, Service and Envoy Deployment agree on ports and labels', () => {
    const { chart, mesh } = bookinfoChart();
    const gateway = new IngressGateway(chart, 'Ingress', { mesh, serviceType: GatewayServiceType.NODE_PORT, replicas: 3 });
    gateway.addHttpServer({ hosts: ['shop.example.com'], httpsRedirect: true });
    gateway.addHttpsServer({ hosts: ['shop.example.com', '*.api.example.com'], credentialName: 'shop-tls' });
    const manifests = Testing.synth(chart);
    const labels = { app: 'ingress-gateway', istio: 'ingressgateway' };

    expect(find(manifests, 'Gateway', 'ingress-gateway').spec).toEqual({
      selector: labels,
      servers: [
        { port: { number: 80, name: 'http-80', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: { httpsRedirect: true } },
        {
          port: { number: 443, name: 'https-443', protocol: 'HTTPS' },
          hosts: ['shop.example.com', '*.api.example.com'],
          tls: { mode: 'SIMPLE', credentialName: 'shop-tls' },
        },
      ],
    });
    const service = find(manifests, 'Service', 'ingress-gateway');
    expect(service.spec).toEqual({
      type: 'NodePort',
      selector: labels,
      ports: [{ name: 'http-80', port: 80, targetPort: 8080 }, { name: 'https-443', port: 443, targetPort: 8443 }],
    });
    const deployment = find(manifests, 'Deployment', 'ingress-gateway');
    expect(deployment.metadata.namespace).toBe('mesh-system');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.metadata.labels).toEqual(labels);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(mesh.proxyImage);
    expect(container.ports.map((port: any) => port.containerPort)).toEqual([8080, 8443, 15090]);
    expect(JSON.parse(container.args[3]).node.id).toMatch(/^router~\$\(INSTANCE_IP\)~/);
    const bootstrap = JSON.parse(find(manifests, 'ConfigMap', 'ingress-gateway-bootstrap').data['envoy.json']);
    expect(bootstrap.node.metadata.INTERCEPTION_MODE).toBe('NONE');
    expectValidManifests(manifests);
  });

  test('GIVEN a gateway WHEN synthesized THEN its Envoy authenticates to the reconciler like a sidecar: TLS port, projected token, mesh root', () => {
    const { chart, mesh } = bookinfoChart();
    new IngressGateway(chart, 'Ingress', { mesh }).addHttpServer({ hosts: ['shop.example.com'] });
    const manifests = Testing.synth(chart);

    const bootstrap = JSON.parse(find(manifests, 'ConfigMap', 'ingress-gateway-bootstrap').data['envoy.json']);
    const googleGrpc = bootstrap.dynamic_resources.ads_config.grpc_services[0].google_grpc;
    expect(googleGrpc.target_uri).toBe(`${mesh.xdsHost}:${mesh.xdsTlsPort}`);
    expect(JSON.stringify(googleGrpc.call_credentials)).toContain('/var/run/secrets/tokens/istio-token');
    const pod = find(manifests, 'Deployment', 'ingress-gateway').spec.template.spec;
    expect(pod.volumes.map((volume: any) => volume.name)).toEqual(['istio-bootstrap', 'istio-token', 'mesh-ca-root-cert']);
    expect(pod.volumes[1].projected.sources[0].serviceAccountToken.audience).toBe('istio-ca');
    expect(pod.containers[0].volumeMounts.map((mount: any) => mount.mountPath))
      .toEqual(['/etc/istio/proxy', '/var/run/secrets/tokens', '/var/run/secrets/mesh']);
  });

  test('GIVEN routes on a host WHEN synthesized THEN one VirtualService bound to the gateway lists longer prefixes first', () => {
    const { chart, mesh, reviews, productpage } = bookinfoChart();
    const gateway = new IngressGateway(chart, 'Ingress', { mesh });
    gateway.addHttpServer({ hosts: ['*.example.com'] });
    gateway.addRoute('shop.example.com', '/', productpage);
    gateway.addRoute('shop.example.com', '/api/reviews', reviews, 'v2');
    const manifests = Testing.synth(chart);
    const virtualService = find(manifests, 'VirtualService', 'ingress-gateway-shop-example-com');

    expect(virtualService.metadata.namespace).toBe('mesh-system');
    expect(virtualService.spec).toEqual({
      hosts: ['shop.example.com'],
      gateways: ['mesh-system/ingress-gateway'],
      http: [
        {
          name: 'reviews-api-reviews',
          match: [{ uri: { prefix: '/api/reviews' } }],
          route: [{ destination: { host: REVIEWS_HOST, port: { number: 9080 }, subset: 'v2' } }],
        },
        {
          name: 'productpage',
          match: [{ uri: { prefix: '/' } }],
          route: [{ destination: { host: 'productpage.bookinfo.svc.cluster.local', port: { number: 9080 } } }],
        },
      ],
    });
    // The mesh VirtualService of the service stays separate.
    expect(find(manifests, 'VirtualService', 'reviews').spec.gateways).toBeUndefined();
    expect(validationErrors(chart)).toEqual([]);
    expectValidManifests(manifests);
  });

  test.each([
    ['a host no server serves', 'other.org', undefined, /'addRoute.host' is "other.org"; no server of the gateway serves this host/],
    ['a version the service lacks', 'shop.example.com', 'v9', /'addRoute.version' is "v9"; "test\/reviews" has no such version/],
  ])('GIVEN a route to %s WHEN validated THEN the error names the value and the fix', (_, host, version, message) => {
    const { chart, mesh, reviews } = bookinfoChart();
    const gateway = new IngressGateway(chart, 'Ingress', { mesh });
    gateway.addHttpServer({ hosts: ['shop.example.com'] });
    gateway.addRoute(host, '/', reviews, version);
    expect(validationErrors(chart)).toEqual([expect.stringMatching(new RegExp(`^\\[test/Ingress\\] ${message.source}`))]);
  });

  test('GIVEN a gateway without servers WHEN validated THEN the error tells to add one', () => {
    const { chart, mesh } = bookinfoChart();
    new IngressGateway(chart, 'Ingress', { mesh });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/'servers' is \[\]; the gateway has no server/)]);
  });

  test.each<[string, (gateway: IngressGateway, f: ReturnType<typeof bookinfoChart>) => void, RegExp]>([
    ['a duplicate server port', g => { g.addHttpServer({ hosts: ['a.example'] }); g.addHttpServer({ hosts: ['b.example'] }); },
      /'addHttpServer.port' is 80; another server of the gateway uses this port/],
    ['a server without hosts', g => g.addHttpServer({ hosts: [] }), /'addHttpServer.hosts' is \[\]; a server needs at least one host/],
    ['an invalid host', g => g.addHttpsServer({ hosts: ['Shop.Example'], credentialName: 'tls' }), /'addHttpsServer.hosts\[0\]' is "Shop.Example"/],
    ['a bad credential name', g => g.addHttpsServer({ hosts: ['a.example'], credentialName: 'My_Cert' }), /'addHttpsServer.credentialName' is "My_Cert"/],
    ['a relative path prefix', (g, f) => g.addRoute('a.example', 'api', f.reviews), /'addRoute.pathPrefix' is "api"; a path prefix must start with "\/"/],
    ['a prefix routed twice', (g, f) => { g.addRoute('a.example', '/', f.reviews); g.addRoute('a.example', '/', f.productpage); },
      /'addRoute.pathPrefix' is "\/"; host "a.example" already routes this prefix/],
  ])('GIVEN %s WHEN added THEN it fails naming the path, prop and value', (_, act, message) => {
    const fixture = bookinfoChart();
    const gateway = new IngressGateway(fixture.chart, 'Ingress', { mesh: fixture.mesh });
    const error = errorOf(() => act(gateway, fixture));
    expect(error).toMatch(/^\[test\/Ingress\] /);
    expect(error).toMatch(message);
  });
});
