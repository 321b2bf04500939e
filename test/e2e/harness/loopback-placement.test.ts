/**
 * The loopback placement must look to the reconciler like real workloads: the synthesized Service
 * selects the WorkloadEntries (per subset), and each proxy gets exactly its own Sidecar.
 */
import { instanceLabels, loopbackPlacement, PlacedInstance, SynthesizedService } from './loopback-placement';
import type { MeshObject } from '../../../reconciler/src/push/contract';
import { DEFAULT_MESH_SETTINGS } from '../../../reconciler/src/push/mesh-settings';
import { PushContext } from '../../../reconciler/src/push/push-context';

const REVIEWS: SynthesizedService = { name: 'reviews', namespace: 'shop', ports: [{ name: 'http-9080', port: 9080, targetPort: 9080, protocol: 'HTTP' }] };
const SYNTHESIZED_SERVICE: MeshObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: { selector: { app: 'reviews' }, ports: [{ name: 'http-9080', port: 9080, targetPort: 9080, appProtocol: 'http' }] },
};

const instance = (version: string, address: string, serverSidecar: boolean): PlacedInstance => ({
  service: 'reviews', namespace: 'shop', version, name: `reviews-${version}-0`, address, appPort: 40000, serverSidecar,
});

describe('loopback placement', () => {
  const instances = [instance('v1', '127.20.0.1', false), instance('v2', '127.20.0.2', true)];
  const objects = loopbackPlacement([REVIEWS], instances, [{ name: 'productpage', namespace: 'shop', address: '127.20.0.9' }]) as unknown as MeshObject[];
  const push = PushContext.build([SYNTHESIZED_SERVICE, ...objects], DEFAULT_MESH_SETTINGS);
  const service = push.serviceByHost('reviews.shop.svc.cluster.local')!;

  test.each([
    ['v1 without a sidecar', 'v1', '127.20.0.1', 40000],
    ['v2 behind its sidecar', 'v2', '127.20.0.2', 9080],
  ])('GIVEN %s WHEN the reconciler selects the Service subset THEN it finds the instance on the right port', (_, version, address, port) => {
    const endpoints = push.endpointsFor(service, service.ports[0], { version });
    expect(endpoints.map((endpoint) => [endpoint.instance.address, endpoint.port])).toEqual([[address, port]]);
  });

  test.each([
    ['the client', 'productpage', {}, undefined],
    ['a server instance', 'reviews-v2-0', { version: 'v2' }, { bind: '127.20.0.2', defaultEndpoint: '127.20.0.2:40000' }],
  ])('GIVEN %s WHEN its Sidecar is selected THEN egress binds its address and ingress forwards to the application', (_, name, extra, ingress) => {
    const app = name === 'productpage' ? 'productpage' : 'reviews';
    const sidecar = push.sidecarFor({ namespace: 'shop', labels: instanceLabels(app, name, extra) });
    expect(sidecar?.name).toBe(`${name}-loopback`);
    expect(sidecar?.spec.egress?.map((listener) => [listener.bind, listener.port?.number])).toEqual([[name === 'productpage' ? '127.20.0.9' : '127.20.0.2', 9080]]);
    expect(sidecar?.spec.ingress?.[0]).toEqual(ingress === undefined ? undefined : expect.objectContaining(ingress));
  });

  test('GIVEN a workload naming a service that was not synthesized WHEN placed THEN the error names the workload, the service and the fix', () => {
    expect(() => loopbackPlacement([REVIEWS], [{ ...instance('v1', '127.20.0.1', false), service: 'ratings', name: 'ratings-v1-0' }], []))
      .toThrow(/workload ratings-v1-0: no synthesized Service shop\/ratings \(synthesized: shop\/reviews\); declare a MeshService/);
  });
});
