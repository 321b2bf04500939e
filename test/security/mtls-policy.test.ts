import { Testing } from 'cdk8s';
import { MeshService, MtlsMode, MtlsPolicy, MtlsPolicyProps, ServiceProtocol } from '../../src';
import { expectValidManifests } from '../support/istio-validation';
import { bookinfoChart, errorOf, specOf, validationErrors } from '../traffic/fixtures';

describe('MtlsPolicy', () => {
  test.each([
    [MtlsMode.STRICT, 'ISTIO_MUTUAL'],
    [MtlsMode.PERMISSIVE, 'ISTIO_MUTUAL'],
    [MtlsMode.DISABLE, 'DISABLE'],
  ])('GIVEN a mesh-wide %s policy WHEN synthesized THEN a root-namespace PeerAuthentication and client tls %s on every service', (mode, clientTls) => {
    const { chart, mesh } = bookinfoChart();
    new MtlsPolicy(chart, 'MeshMtls', { mesh, mode });
    const manifests = Testing.synth(chart);
    const peerAuthentication = manifests.find(m => m.kind === 'PeerAuthentication');

    expect(peerAuthentication.metadata).toMatchObject({ name: 'default', namespace: 'mesh-system' });
    expect(peerAuthentication.spec).toEqual({ mtls: { mode } });
    for (const service of ['reviews', 'productpage']) {
      expect(specOf(manifests, 'DestinationRule', service).trafficPolicy).toEqual({ tls: { mode: clientTls } });
    }
    expectValidManifests(manifests);
  });

  test('GIVEN mesh STRICT, a namespace PERMISSIVE and a workload DISABLE WHEN synthesized THEN the most specific decides each client side', () => {
    const { chart, mesh, reviews } = bookinfoChart();
    const other = new MeshService(chart, 'ratings', {
      mesh, name: 'ratings', namespace: 'shop', ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: 'r:1' }],
    });
    new MtlsPolicy(chart, 'Workload', { mesh, mode: MtlsMode.DISABLE, service: reviews });
    new MtlsPolicy(chart, 'Namespace', { mesh, mode: MtlsMode.PERMISSIVE, namespace: 'bookinfo' });
    new MtlsPolicy(chart, 'Mesh', { mesh, mode: MtlsMode.STRICT });
    const manifests = Testing.synth(chart);
    const tls = (name: string, namespace: string) =>
      manifests.find(m => m.kind === 'DestinationRule' && m.metadata.name === name && m.metadata.namespace === namespace).spec.trafficPolicy.tls.mode;

    expect([tls('reviews', 'bookinfo'), tls('productpage', 'bookinfo'), tls(other.name, 'shop')]).toEqual(['DISABLE', 'ISTIO_MUTUAL', 'ISTIO_MUTUAL']);
    expect(manifests.filter(m => m.kind === 'PeerAuthentication').map(m => [m.metadata.namespace, m.metadata.name, m.spec.selector?.matchLabels.app])).toEqual([
      ['bookinfo', 'reviews', 'reviews'], ['bookinfo', 'default', undefined], ['mesh-system', 'default', undefined],
    ]);
    expect(validationErrors(chart)).toEqual([]);
    expectValidManifests(manifests);
  });

  test('GIVEN port overrides on a workload WHEN synthesized THEN the PeerAuthentication uses target ports and the DR the service ports', () => {
    const { chart, mesh, reviews } = bookinfoChart();
    new MtlsPolicy(chart, 'Reviews', { mesh, mode: MtlsMode.STRICT, service: reviews, portOverrides: [{ port: 9080, mode: MtlsMode.DISABLE }] });
    const manifests = Testing.synth(chart);

    expect(manifests.find(m => m.kind === 'PeerAuthentication').spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 8080: { mode: 'DISABLE' } },
    });
    expect(specOf(manifests, 'DestinationRule', 'reviews').trafficPolicy).toEqual({
      tls: { mode: 'ISTIO_MUTUAL' },
      portLevelSettings: [{ port: { number: 9080 }, tls: { mode: 'DISABLE' } }],
    });
    expectValidManifests(manifests);
  });

  test('GIVEN a STRICT server whose DestinationRule subset disables TLS WHEN validated THEN the conflict names the service, subset and fix', () => {
    const { chart, mesh, reviews } = bookinfoChart();
    new MtlsPolicy(chart, 'Strict', { mesh, mode: MtlsMode.STRICT, namespace: 'bookinfo' });
    reviews._contributeTrafficPolicy({ contributor: 'test/LegacyClient', subset: 'v2', trafficPolicy: { tls: { mode: 'DISABLE' as any } } });

    expect(validationErrors(chart)).toEqual([expect.stringMatching(
      /\[test\/Strict\] 'mode' is "STRICT" for "test\/reviews", but its DestinationRule subset "v2" sets tls.mode DISABLE.*make this policy PERMISSIVE/)]);
  });

  test('GIVEN two policies for the same scope WHEN validated THEN each names the other', () => {
    const { chart, mesh } = bookinfoChart();
    new MtlsPolicy(chart, 'A', { mesh, mode: MtlsMode.STRICT, namespace: 'bookinfo' });
    new MtlsPolicy(chart, 'B', { mesh, mode: MtlsMode.PERMISSIVE, namespace: 'bookinfo' });
    expect(validationErrors(chart)).toEqual([
      expect.stringMatching(/\[test\/A\] 'mode' is "STRICT"; "test\/B" already sets mTLS for the same scope/),
      expect.stringMatching(/\[test\/B\] 'mode' is "PERMISSIVE"; "test\/A" already sets mTLS for the same scope/),
    ]);
  });

  test.each<[string, (fixture: ReturnType<typeof bookinfoChart>) => Partial<MtlsPolicyProps>, RegExp]>([
    ['port overrides without a service', () => ({ portOverrides: [{ port: 9080, mode: MtlsMode.DISABLE }] }),
      /'portOverrides' .*port-level mTLS needs a workload selector/],
    ['an override of an unknown port', f => ({ service: f.reviews, portOverrides: [{ port: 1234, mode: MtlsMode.DISABLE }] }),
      /'portOverrides\[0\].port' is 1234; "test\/reviews" has no such port/],
    ['a service and a namespace', f => ({ service: f.reviews, namespace: 'bookinfo' }), /'namespace' is "bookinfo"; a policy applies to a service or a namespace, not both/],
    ['a bad namespace', () => ({ namespace: 'Book_Info' }), /'namespace' is "Book_Info"; it must be a DNS-1123 label/],
  ])('GIVEN %s WHEN constructed THEN it fails naming the path, prop and value', (_, props, message) => {
    const fixture = bookinfoChart();
    const error = errorOf(() => new MtlsPolicy(fixture.chart, 'Mtls', { mesh: fixture.mesh, mode: MtlsMode.STRICT, ...props(fixture) }));
    expect(error).toMatch(/^\[test\/Mtls\] /);
    expect(error).toMatch(message);
  });
});
