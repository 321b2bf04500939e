import { Chart, Testing } from 'cdk8s';
import { manifest, meshChart, podSpec, reviewsService } from './fixtures';
import { Mesh, MeshService, ServiceProtocol } from '../../src';
import { expectValidManifests } from '../support/istio-validation';

/** A service named `reviews` under construct id `id`, to declare several with one name. */
function namedReviews(chart: Chart, id: string, mesh: Mesh, namespace: string): MeshService {
  return new MeshService(chart, id, {
    mesh, name: 'reviews', namespace, ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: 'reviews:1' }],
  });
}

describe('MeshService', () => {
  test('GIVEN three versions WHEN synthesized THEN each is a Deployment <name>-<version> sharing one ServiceAccount and Service', () => {
    const { chart, mesh } = meshChart();
    reviewsService(chart, mesh, {
      versions: ['v1', 'v2', 'v3'].map(name => ({ name, image: `docker.io/istio/examples-bookinfo-reviews-${name}:1.20.2` })),
    });
    const manifests = Testing.synth(chart);

    for (const version of ['v1', 'v2', 'v3']) {
      const deployment = manifest(manifests, 'Deployment', `reviews-${version}`);
      expect(deployment.metadata.namespace).toBe('bookinfo');
      expect(deployment.spec.selector.matchLabels).toEqual({ app: 'reviews', version });
      expect(deployment.spec.template.metadata.labels).toMatchObject({ app: 'reviews', version });
      expect(podSpec(deployment).serviceAccountName).toBe('reviews');
    }
    expect(manifests.filter(m => m.kind === 'ServiceAccount' && m.metadata.name === 'reviews')).toHaveLength(1);
    expect(manifest(manifests, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews' });
    expectValidManifests(manifests);
  });

  test('GIVEN versions WHEN synthesized THEN the DestinationRule has one subset per version on the service FQDN', () => {
    const { chart, mesh } = meshChart();
    const service = reviewsService(chart, mesh);
    service.addVersion('v2', { image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' });
    const manifests = Testing.synth(chart);

    expect(manifest(manifests, 'DestinationRule', 'reviews').spec).toEqual({
      host: 'reviews.bookinfo.svc.cluster.local',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
    });
    expect(service.versions).toEqual(['v1', 'v2']);
    expectValidManifests(manifests);
  });

  test('GIVEN no route contributions WHEN synthesized THEN the VirtualService has one default route to the host', () => {
    const { chart, mesh } = meshChart();
    reviewsService(chart, mesh);
    const manifests = Testing.synth(chart);
    expect(manifest(manifests, 'VirtualService', 'reviews').spec).toEqual({
      hosts: ['reviews.bookinfo.svc.cluster.local'],
      http: [{ name: 'default', route: [{ destination: { host: 'reviews.bookinfo.svc.cluster.local' } }] }],
    });
    expectValidManifests(manifests);
  });

  test('GIVEN a TCP port WHEN synthesized THEN the VirtualService routes connections with a tcp route', () => {
    const { chart, mesh } = meshChart();
    reviewsService(chart, mesh, { ports: [{ port: 5432, protocol: ServiceProtocol.TCP }] });
    const manifests = Testing.synth(chart);
    expect(manifest(manifests, 'VirtualService', 'reviews').spec).toEqual({
      hosts: ['reviews.bookinfo.svc.cluster.local'],
      tcp: [{ route: [{ destination: { host: 'reviews.bookinfo.svc.cluster.local' } }] }],
    });
    expectValidManifests(manifests);
  });

  test.each([
    [ServiceProtocol.HTTP, 'http-8080', 'http'],
    [ServiceProtocol.HTTP2, 'http2-8080', 'http2'],
    [ServiceProtocol.GRPC, 'grpc-8080', 'grpc'],
    [ServiceProtocol.TCP, 'tcp-8080', 'tcp'],
    [ServiceProtocol.TLS, 'tls-8080', 'tls'],
    [ServiceProtocol.HTTPS, 'https-8080', 'https'],
  ])('GIVEN an unnamed %s port WHEN synthesized THEN it is named %s with appProtocol %s', (protocol, name, appProtocol) => {
    const { chart, mesh } = meshChart();
    const service = reviewsService(chart, mesh, { ports: [{ port: 8080, targetPort: 9090, protocol }] });
    const ports = manifest(Testing.synth(chart), 'Service', 'reviews').spec.ports;
    expect(ports).toEqual([{ name, port: 8080, targetPort: 9090, appProtocol }]);
    expect(service.ports[0].name).toBe(name);
  });

  test('GIVEN a version without a port WHEN synthesized THEN the container listens on the first target port', () => {
    const { chart, mesh } = meshChart();
    reviewsService(chart, mesh, { ports: [{ name: 'http-web', port: 80, targetPort: 9080, protocol: ServiceProtocol.HTTP }] });
    const container = podSpec(manifest(Testing.synth(chart), 'Deployment', 'reviews-v1')).containers[0];
    expect(container.ports).toEqual([{ containerPort: 9080, protocol: 'TCP' }]);
  });

  test('GIVEN every version option WHEN synthesized THEN the application container uses them', () => {
    const { chart, mesh } = meshChart();
    reviewsService(chart, mesh, {
      versions: [{
        name: 'v1',
        image: 'registry.local/reviews:2',
        replicas: 3,
        env: { LOG_DIR: '/tmp/logs', B_FIRST: 'no' },
        args: ['--verbose'],
        command: ['/app/run'],
        port: 9999,
        user: 1000,
        readOnlyRootFilesystem: false,
      }],
    });
    const deployment = manifest(Testing.synth(chart), 'Deployment', 'reviews-v1');
    const container = podSpec(deployment).containers[0];

    expect(deployment.spec.replicas).toBe(3);
    expect(container).toMatchObject({
      name: 'reviews',
      image: 'registry.local/reviews:2',
      args: ['--verbose'],
      command: ['/app/run'],
      env: [{ name: 'B_FIRST', value: 'no' }, { name: 'LOG_DIR', value: '/tmp/logs' }],
      ports: [{ containerPort: 9999, protocol: 'TCP' }],
      securityContext: { runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'] } },
    });
  });

  test('GIVEN dependencies WHEN synthesized THEN their hosts are listed in an annotation on the Service and the pods', () => {
    const { chart, mesh } = meshChart();
    const ratings = reviewsService(chart, mesh, { name: 'ratings' });
    const details = reviewsService(chart, mesh, { name: 'details' });
    reviewsService(chart, mesh, { name: 'productpage', dependencies: [ratings, details] });
    const manifests = Testing.synth(chart);
    const expected = 'details.bookinfo.svc.cluster.local,ratings.bookinfo.svc.cluster.local';

    expect(manifest(manifests, 'Service', 'productpage').metadata.annotations['mesh.cdk8s.io/dependencies']).toBe(expected);
    expect(manifest(manifests, 'Deployment', 'productpage-v1').spec.template.metadata.annotations['mesh.cdk8s.io/dependencies'])
      .toBe(expected);
  });

  test('GIVEN a service WHEN referenced as IMeshService THEN it exposes name, namespace, fqdn, versions, ports and mesh', () => {
    const { chart, mesh } = meshChart({ clusterDomain: 'corp.local' });
    const service = reviewsService(chart, mesh);
    expect([service.name, service.namespace, service.fqdn, service.versions, service.mesh])
      .toEqual(['reviews', 'bookinfo', 'reviews.bookinfo.svc.corp.local', ['v1'], mesh]);
  });

  describe('validation', () => {
    const image = 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2';

    test.each([
      ['a name that is not a DNS label', { name: 'Reviews' }, /\[test\/Reviews\] 'name' is "Reviews"; it must be a DNS-1123 label .* Rename it\./],
      ['a bad namespace', { namespace: 'book_info' }, /'namespace' is "book_info"; it must be a DNS-1123 label/],
      ['no ports', { ports: [] }, /'ports' is \[\]; a service needs at least one port/],
      ['a port out of range', { ports: [{ port: 70000, protocol: ServiceProtocol.HTTP }] }, /'ports\[0\]\.port' is 70000; it must be an integer between 1 and 65535/],
      ['a port name without the protocol prefix', { ports: [{ name: 'web', port: 80, protocol: ServiceProtocol.HTTP }] },
        /'ports\[0\]\.name' is "web"; a HTTP port name must be "http" or start with "http-". Rename it to "http-web"/],
      ['an empty port name', { ports: [{ name: '', port: 80, protocol: ServiceProtocol.TCP }] },
        /'ports\[0\]\.name' is ""; a TCP port name must be "tcp" or start with "tcp-". Rename it to "tcp" or omit it\./],
      ['a port name of another protocol', { ports: [{ name: 'http', port: 80, protocol: ServiceProtocol.GRPC }] },
        /'ports\[0\]\.name' is "http"; a GRPC port name must be "grpc"/],
      ['duplicate port numbers', { ports: [{ name: 'http-a', port: 80, protocol: ServiceProtocol.HTTP }, { name: 'http-b', port: 80, protocol: ServiceProtocol.HTTP }] },
        /'ports' is 80; two ports have the same port. Give each port a unique port\./],
      ['duplicate port names', { ports: [{ name: 'http', port: 80, protocol: ServiceProtocol.HTTP }, { name: 'http', port: 81, protocol: ServiceProtocol.HTTP }] },
        /'ports' is "http"; two ports have the same name/],
      ['a bad version name', { versions: [{ name: 'V1', image }] }, /'versions\[V1\]\.name' is "V1"; it must be a DNS-1123 label/],
      ['duplicate versions', { versions: [{ name: 'v1', image }, { name: 'v1', image }] }, /'versions' is "v1"; the version is declared twice/],
      ['a missing image', { versions: [{ name: 'v1', image: '' }] }, /'versions\[v1\]\.image' is ""; it must be a container image reference/],
      ['the proxy UID', { versions: [{ name: 'v1', image, user: 1337 }] }, /'versions\[v1\]\.user' is 1337; UID 1337 is the proxy's.* Run the application as another UID\./],
      ['a bad include range', { includeOutboundIpRanges: ['10.0.0.0/33'] }, /'includeOutboundIpRanges' is "10.0.0.0\/33"; it must be an IPv4 CIDR or "\*"/],
      ['a bad exclude range', { excludeOutboundIpRanges: ['*'] }, /'excludeOutboundIpRanges' is "\*"; it must be an IPv4 CIDR/],
      ['a bad excluded inbound port', { excludeInboundPorts: [0] }, /'excludeInboundPorts' is 0/],
      ['a bad excluded outbound port', { excludeOutboundPorts: [65536] }, /'excludeOutboundPorts' is 65536/],
    ])('GIVEN %s WHEN constructed THEN it fails naming the path, prop, value and fix', (_case, props, message) => {
      const { chart, mesh } = meshChart();
      expect(() => reviewsService(chart, mesh, props as any)).toThrow(message);
    });

    test('GIVEN a service without versions WHEN synthesized THEN validation fails', () => {
      const { chart, mesh } = meshChart();
      reviewsService(chart, mesh, { versions: [] });
      expect(() => Testing.synth(chart)).toThrow(/\[test\/reviews\] 'versions' is \[\]; a service needs at least one version\. Pass `versions` or call addVersion\(\)\./);
    });

    test('GIVEN a service without versions WHEN a version is added later THEN it synthesizes', () => {
      const { chart, mesh } = meshChart();
      reviewsService(chart, mesh, { versions: [] }).addVersion('v1', { image });
      expect(manifest(Testing.synth(chart), 'Deployment', 'reviews-v1')).toBeDefined();
    });

    test('GIVEN two services with the same name and namespace in different charts WHEN synthesized THEN validation names both', () => {
      const { chart, mesh } = meshChart();
      reviewsService(chart, mesh);
      reviewsService(new Chart(chart.node.scope!, 'other'), mesh);
      expect(() => Testing.synth(chart)).toThrow(/\[other\/reviews\] 'name' is "reviews"; "test\/reviews" already declares a service with this name in namespace "bookinfo"\. Rename one of them/);
    });

    test('GIVEN three services with the same name and namespace WHEN validated THEN each later one names the first', () => {
      const { chart, mesh } = meshChart();
      ['first', 'second', 'third'].forEach(id => namedReviews(chart, id, mesh, 'bookinfo'));
      const messages = chart.node.findAll().flatMap(construct => construct.node.validate().map(message => `[${construct.node.path}] ${message}`));
      expect(messages).toEqual([
        expect.stringMatching(/^\[test\/second\] 'name' is "reviews"; "test\/first" already declares/),
        expect.stringMatching(/^\[test\/third\] 'name' is "reviews"; "test\/first" already declares/),
      ]);
    });

    test.each([
      ['different namespaces of one app', (first: { chart: Chart; mesh: Mesh }) => ({ ...first, namespace: 'other' })],
      ['the same namespace of another app', () => ({ ...meshChart(), namespace: 'bookinfo' })],
    ])('GIVEN two services named alike in %s WHEN synthesized THEN neither is a duplicate', (_, place) => {
      const first = meshChart();
      namedReviews(first.chart, 'first', first.mesh, 'bookinfo');
      const second = place(first);
      namedReviews(second.chart, 'second', second.mesh, second.namespace);
      expect(() => [first.chart, second.chart].forEach(synthesized => Testing.synth(synthesized))).not.toThrow();
    });
  });
});
