import { Chart, Testing } from 'cdk8s';
import { Mesh, MeshService, MtlsMode, MtlsPolicy, ServiceProtocol } from '../../src';
import { meshChart } from '../mesh/fixtures';
import { bookinfoChart, errorOf, validationErrors } from '../traffic/fixtures';

/** A one-version HTTP service `name` in `namespace`. */
function service(chart: Chart, mesh: Mesh, name: string, namespace: string): MeshService {
  return new MeshService(chart, `${namespace}-${name}`, {
    mesh, name, namespace, ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: `${name}:1` }],
  });
}

/** The client tls mode of the DestinationRule of `name` in `namespace`, undefined when it has none. */
function clientTls(manifests: any[], name: string, namespace: string): string | undefined {
  const destinationRule = manifests.find(m => m.kind === 'DestinationRule' && m.metadata.name === name && m.metadata.namespace === namespace);
  if (!destinationRule) {
    throw new Error(`no DestinationRule ${namespace}/${name}`);
  }
  return destinationRule.spec.trafficPolicy?.tls?.mode;
}

type PolicyScope = 'workload' | 'namespace' | 'mesh';

const ALL_ORDERS: PolicyScope[][] = [
  ['workload', 'namespace', 'mesh'], ['workload', 'mesh', 'namespace'], ['namespace', 'workload', 'mesh'],
  ['namespace', 'mesh', 'workload'], ['mesh', 'workload', 'namespace'], ['mesh', 'namespace', 'workload'],
];

describe('MtlsPolicy lookup per mesh', () => {
  test.each(ALL_ORDERS)('GIVEN policies declared in the order %s, %s, %s and a service declared after them WHEN synthesized THEN the most specific decides each service', (...order) => {
    const { chart, mesh, reviews } = bookinfoChart();
    const declare: Record<PolicyScope, () => void> = {
      workload: () => new MtlsPolicy(chart, 'Workload', { mesh, mode: MtlsMode.STRICT, service: reviews }),
      namespace: () => new MtlsPolicy(chart, 'Namespace', { mesh, mode: MtlsMode.DISABLE, namespace: 'bookinfo' }),
      mesh: () => new MtlsPolicy(chart, 'Mesh', { mesh, mode: MtlsMode.STRICT }),
    };
    order.forEach(scope => declare[scope]());
    service(chart, mesh, 'ratings', 'bookinfo');
    service(chart, mesh, 'cart', 'shop');
    const manifests = Testing.synth(chart);

    expect({
      reviews: clientTls(manifests, 'reviews', 'bookinfo'),
      productpage: clientTls(manifests, 'productpage', 'bookinfo'),
      ratings: clientTls(manifests, 'ratings', 'bookinfo'),
      cart: clientTls(manifests, 'cart', 'shop'),
    }).toEqual({ reviews: 'ISTIO_MUTUAL', productpage: 'DISABLE', ratings: 'DISABLE', cart: 'ISTIO_MUTUAL' });
    expect(validationErrors(chart)).toEqual([]);
  });

  test('GIVEN a policy of one mesh WHEN another mesh of the app has services THEN only the services of its own mesh get client TLS', () => {
    const { chart, mesh } = meshChart();
    const otherMesh = new Mesh(chart, 'other-mesh', { namespace: 'other-system' });
    service(chart, mesh, 'reviews', 'bookinfo');
    service(chart, otherMesh, 'reviews', 'other-bookinfo');
    new MtlsPolicy(chart, 'Strict', { mesh, mode: MtlsMode.STRICT });
    const manifests = Testing.synth(chart);

    expect([clientTls(manifests, 'reviews', 'bookinfo'), clientTls(manifests, 'reviews', 'other-bookinfo')]).toEqual(['ISTIO_MUTUAL', undefined]);
  });

  test('GIVEN three policies for one namespace WHEN merged and validated THEN the first declared decides and each names a twin', () => {
    const { chart, mesh, reviews } = bookinfoChart();
    new MtlsPolicy(chart, 'First', { mesh, mode: MtlsMode.DISABLE, namespace: 'bookinfo' });
    new MtlsPolicy(chart, 'Second', { mesh, mode: MtlsMode.STRICT, namespace: 'bookinfo' });
    new MtlsPolicy(chart, 'Third', { mesh, mode: MtlsMode.PERMISSIVE, namespace: 'bookinfo' });

    // Duplicates fail synth, so the merged DestinationRule policy is read directly.
    expect(reviews._trafficPolicy()?.tls?.mode).toBe('DISABLE');
    expect(validationErrors(chart)).toEqual([
      expect.stringMatching(/^\[test\/First\] 'mode' is "DISABLE"; "test\/Second" already sets mTLS for the same scope/),
      expect.stringMatching(/^\[test\/Second\] 'mode' is "STRICT"; "test\/First" already sets mTLS for the same scope/),
      expect.stringMatching(/^\[test\/Third\] 'mode' is "PERMISSIVE"; "test\/First" already sets mTLS for the same scope/),
    ]);
  });

  test('GIVEN policies of the mesh and of a namespace with the mesh root namespace WHEN validated THEN they are different scopes, not duplicates', () => {
    const { chart, mesh } = bookinfoChart();
    new MtlsPolicy(chart, 'Mesh', { mesh, mode: MtlsMode.STRICT });
    new MtlsPolicy(chart, 'RootNamespace', { mesh, mode: MtlsMode.STRICT, namespace: mesh.namespace });
    expect(validationErrors(chart)).toEqual([]);
  });

  test('GIVEN a mesh-wide STRICT policy and a service whose own policy overrides it WHEN both services disable TLS on a subset THEN only the service the mesh policy decides is reported', () => {
    const { chart, mesh, reviews, productpage } = bookinfoChart();
    new MtlsPolicy(chart, 'MeshStrict', { mesh, mode: MtlsMode.STRICT });
    new MtlsPolicy(chart, 'ReviewsPermissive', { mesh, mode: MtlsMode.PERMISSIVE, service: reviews });
    for (const target of [reviews, productpage]) {
      target._contributeTrafficPolicy({ contributor: 'test/LegacyClient', subset: 'v1', trafficPolicy: { tls: { mode: 'DISABLE' as any } } });
    }

    expect(validationErrors(chart)).toEqual([expect.stringMatching(
      /^\[test\/MeshStrict\] 'mode' is "STRICT" for "test\/productpage", but its DestinationRule subset "v1" sets tls.mode DISABLE/)]);
  });

  test('GIVEN a mesh of another app WHEN a policy is constructed THEN it fails naming the path, prop, value and fix', () => {
    const { mesh } = meshChart();
    const otherChart = new Chart(Testing.app(), 'other');
    expect(errorOf(() => new MtlsPolicy(otherChart, 'Strict', { mesh, mode: MtlsMode.STRICT }))).toBe(
      '[other/Strict] \'mesh\' is "test/mesh"; the mesh is not part of this app. Declare the policy in the app of its mesh.');
  });
});
