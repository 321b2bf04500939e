import { meshValidations } from '../../src/observatory/validations/validations';
import type { Validation } from '../../src/observatory/validations/validation';
import { CANARY_TRAFFIC, destination, fakeTraffic, MESH_YAML, observatoryInputs, PRODUCTPAGE, REVIEWS_HOST } from './observatory-fixture';
import type { ProxyIdentity } from '../../src/push/contract';

const WINDOW_MS = 60_000;
const summary = (validations: readonly Validation[]) => validations.map((validation) => `${validation.code} ${validation.severity} ${validation.object}`);

function proxy(name: string, labels: Record<string, string>): ProxyIdentity {
  return { id: `${name}.shop`, name, namespace: 'shop', labels, serviceAccount: labels.app } as unknown as ProxyIdentity;
}

describe('observatory validations', () => {
  test('GIVEN the fixture mesh with no sidecar connected WHEN validated THEN the config checks find the empty subset, the unused ones, the unknown host and the uninjected services', () => {
    const validations = meshValidations(observatoryInputs(), WINDOW_MS);

    expect(summary(validations)).toEqual([
      'MESH0101 warning DestinationRule shop/reviews',
      'MESH0102 warning DestinationRule shop/reviews',
      'MESH0103 warning Service shop/ratings',
      'MESH0103 warning Service shop/reviews',
      'MESH0105 warning VirtualService shop/ghost',
    ]);
    expect(validations[0].message).toBe("subset 'v3' (version=v3) of reviews.shop.svc.cluster.local selects no endpoint: requests routed to it fail with 503 (no healthy upstream)");
    expect(validations[0].fix).toBe('deploy a workload with the labels version=v3, or correct the subset\'s labels');
    expect(validations[1].message).toBe("routing to reviews.shop.svc.cluster.local picks subsets, but no route or mirror names 'v3', so no request reaches it");
    expect(validations[4].fix).toBe('declare a Service (or ServiceEntry) for ghost.shop.svc.cluster.local, or correct the host');
  });

  test('GIVEN subsets of a host whose routing names none WHEN validated THEN none is called unused (the host is balanced over all its workloads)', () => {
    const ratingsRule = `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: shop }
spec: { host: ratings, subsets: [{ name: v1, labels: { version: v1 } }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings, namespace: shop }
spec: { hosts: [ratings], http: [{ route: [{ destination: { host: ratings } }] }] }
`;
    const unused = meshValidations(observatoryInputs({}, MESH_YAML + ratingsRule), WINDOW_MS).filter((validation) => validation.code === 'MESH0102');
    expect(unused.map((validation) => validation.object)).toEqual(['DestinationRule shop/reviews']);
  });

  test('GIVEN sidecars connected for both services WHEN validated THEN no service is reported as uninjected', () => {
    const connectedProxies = [proxy('reviews-v1-a', { app: 'reviews', version: 'v1' }), proxy('ratings-v1-a', { app: 'ratings', version: 'v1' })];
    expect(summary(meshValidations(observatoryInputs({ connectedProxies }), WINDOW_MS)).filter((line) => line.startsWith('MESH0103'))).toEqual([]);
  });

  test('GIVEN a quarter of the traffic to STRICT reviews in plaintext WHEN validated THEN MESH0104 names the share and the fix; all-mTLS traffic raises nothing', () => {
    const traffic = fakeTraffic([...CANARY_TRAFFIC, { source: PRODUCTPAGE, destination: destination(REVIEWS_HOST, 'v1', 'v1'), requestsPerSecond: 10 / 3, mtlsShare: 0 }]);
    const plaintext = meshValidations(observatoryInputs({ traffic }), WINDOW_MS).filter((validation) => validation.code === 'MESH0104');

    expect(plaintext).toEqual([expect.objectContaining({
      severity: 'warning', object: 'Service shop/reviews',
      message: expect.stringMatching(/^25\.0 % of the traffic to reviews\.shop\.svc\.cluster\.local in the last 60 s was plaintext/),
      fix: 'give the plaintext callers a sidecar, or relax the PeerAuthentication to PERMISSIVE while they migrate',
    })]);
    expect(meshValidations(observatoryInputs(), WINDOW_MS).filter((validation) => validation.code === 'MESH0104')).toEqual([]);
  });

  test('GIVEN a rejected object, a NACK and an unsupported kind WHEN validated THEN they come first as errors, and the info last, each with a fix', () => {
    const validations = meshValidations(observatoryInputs({
      rejected: [{ kind: 'VirtualService', namespace: 'shop', name: 'broken', origin: { source: 'broken.yaml' }, reasons: ["spec.http[0].route[0].weight: must be integer"] }],
      nacks: [{ proxy: 'productpage-1.shop', typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', errorDetail: { message: 'regex too large' }, objects: [{ kind: 'VirtualService', namespace: 'shop', name: 'reviews' }] }],
      ignored: [
        { apiVersion: 'networking.istio.io/v1', kind: 'EnvoyFilter', namespace: 'shop', name: 'lua', origin: { source: 'x.yaml' }, category: 'unsupported-kind', reason: 'EnvoyFilter is not supported' },
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'reviews-v1', origin: { source: 'x.yaml' }, category: 'not-mesh-config', reason: 'workload' },
      ],
    }), WINDOW_MS);

    expect(summary(validations.filter((validation) => validation.severity !== 'warning'))).toEqual([
      'MESH0001 error VirtualService shop/broken',
      'MESH0002 error VirtualService shop/reviews',
      'MESH0003 info EnvoyFilter shop/lua',
    ]);
    const rejected = validations.find((validation) => validation.code === 'MESH0001')!;
    expect(rejected.message).toBe('rejected (from broken.yaml): spec.http[0].route[0].weight: must be integer');
    const nack = validations.find((validation) => validation.code === 'MESH0002')!;
    expect(nack.message).toBe('proxy productpage-1.shop refused RouteConfiguration: regex too large');
    expect(nack.fix).toContain('change VirtualService shop/reviews so Envoy accepts it');
  });

  test('GIVEN a namespace filter WHEN validated THEN only findings of that namespace remain', () => {
    expect(meshValidations(observatoryInputs(), WINDOW_MS, 'other')).toEqual([]);
    expect(meshValidations(observatoryInputs(), WINDOW_MS, 'shop')).toHaveLength(5);
  });
});
