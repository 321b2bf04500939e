import { stringify } from 'yaml';
import { HEALTHY_PLAN, HOST, rolloutVirtualService } from './rollout-fixtures';
import { ingestDocuments } from '../../src/config/ingest';
import type { MeshObject } from '../../src/push/contract';
import { applyRolloutWeights } from '../../src/push/rollout-weights';
import { declaredRollout } from '../../src/rollout/declared-rollout';

const destinationRule = {
  apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'default' },
  spec: { host: HOST, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
};

function ingest(virtualService: MeshObject) {
  return ingestDocuments([{ source: 'mesh.yaml', text: [destinationRule, virtualService].map((object) => stringify(object)).join('---\n') }]);
}

const ANNOTATION = "metadata.annotations['mesh.cdk8s.io/rollout']";
const HEADER_ROUTE = { name: 'reviews-canary-always-canary', match: [{ headers: { 'x-canary': { exact: 'always' } } }], route: [{ destination: { host: HOST, subset: 'v2' } }] };

describe('declared rollouts at ingest', () => {
  test('GIVEN a sound plan WHEN ingested THEN the VirtualService is accepted and declares the rollout of its catch-all route', () => {
    const result = ingest(rolloutVirtualService());
    expect(result.rejected).toEqual([]);
    const parsed = declaredRollout(result.objects.find((object) => object.kind === 'VirtualService')!);
    expect(parsed.ok && parsed.rollout).toMatchObject({ key: 'default/reviews/reviews-canary', host: HOST, spec: { canary: 'v2', minRequests: 100 } });
  });

  test.each<[string, MeshObject, string]>([
    ['decreasing weights', rolloutVirtualService({ ...HEALTHY_PLAN, steps: [{ weight: 50, pause: '5s' }, { weight: 20, pause: '5s' }] }),
      `${ANNOTATION}.steps[1].weight is 20, not above steps[0].weight (50); list steps in strictly increasing weight`],
    ['a route the VirtualService lacks', rolloutVirtualService({ ...HEALTHY_PLAN, route: 'elsewhere' }, [], HEALTHY_PLAN),
      `${ANNOTATION}.route is 'elsewhere', but spec.http has only the routes reviews-canary; name the weighted route the rollout moves`],
    ['a canary subset the route does not send to', rolloutVirtualService({ ...HEALTHY_PLAN, canary: 'v3' }, [], HEALTHY_PLAN),
      `${ANNOTATION} moves route 'reviews-canary' between subsets 'v1' and 'v3', but its destinations are v1, v2`],
    ['the header route instead of the catch-all', rolloutVirtualService({ ...HEALTHY_PLAN, route: HEADER_ROUTE.name }, [HEADER_ROUTE], HEALTHY_PLAN),
      `${ANNOTATION}.route is 'reviews-canary-always-canary', a route with match rules; a rollout moves only the weighted catch-all route`],
  ])('GIVEN %s WHEN ingested THEN the VirtualService is rejected naming object, field, value and fix', (_, virtualService, reason) => {
    const result = ingest(virtualService);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ kind: 'VirtualService', namespace: 'default', name: 'reviews' });
    expect(result.rejected[0].reasons.join('\n')).toContain('VirtualService default/reviews (mesh.yaml document 2)');
    expect(result.rejected[0].reasons.join('\n')).toContain(reason);
  });

  test('GIVEN a rollout weight WHEN applied THEN only the weighted catch-all route moves, and the input is not changed', () => {
    const object = rolloutVirtualService(HEALTHY_PLAN, [HEADER_ROUTE]);
    const before = JSON.stringify(object);
    const [served] = applyRolloutWeights([object], [{ namespace: 'default', virtualService: 'reviews', route: 'reviews-canary', stable: 'v1', canary: 'v2', canaryWeight: 25 }]);
    expect((served.spec as any).http).toEqual([
      HEADER_ROUTE,
      { name: 'reviews-canary', route: [{ destination: { host: HOST, subset: 'v1' }, weight: 75 }, { destination: { host: HOST, subset: 'v2' }, weight: 25 }] },
    ]);
    expect(JSON.stringify(object)).toBe(before);
  });
});
