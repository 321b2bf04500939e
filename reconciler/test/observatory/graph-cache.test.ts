import { buildObservatoryGraph } from '../../src/observatory/build-graph';
import type { ObservatoryGraph } from '../../src/observatory/observatory-graph';
import { CANARY_TRAFFIC, destination, fakeTraffic, MESH_YAML, observatoryInputs, PRODUCTPAGE, REVIEWS_HOST } from './observatory-fixture';

const WINDOW_MS = 60_000;
const REVIEWS = 'service:shop/reviews';
const V1 = 'version:shop/reviews/v1';
const V2 = 'version:shop/reviews/v2';
const CALLER_EDGE = `traffic:workload:shop/productpage-v1->${REVIEWS}`;

const nodeOf = (graph: ObservatoryGraph, id: string) => graph.nodes.find((node) => node.id === id);
const edgeOf = (graph: ObservatoryGraph, id: string) => graph.edges.find((edge) => edge.id === id);

describe('observatory graph: the declared base built once per config', () => {
  test('GIVEN a graph built for one config WHEN the traffic changes under the same config THEN the next graph shows the new traffic and the first keeps its own', () => {
    const canary = observatoryInputs();
    const first = buildObservatoryGraph(canary, { windowMs: WINDOW_MS });
    const onlyV1 = [{ source: PRODUCTPAGE, destination: destination(REVIEWS_HOST, 'v1', 'v1'), requestsPerSecond: 4, p99Ms: 7 }];

    const second = buildObservatoryGraph({ ...canary, traffic: fakeTraffic(onlyV1) }, { windowMs: WINDOW_MS });

    expect(edgeOf(second, CALLER_EDGE)?.traffic).toMatchObject({ requestsPerSecond: 4, p99Ms: 7 });
    expect(edgeOf(second, `route:${REVIEWS}->${V1}`)).toMatchObject({ declaredWeight: 90, observedShare: 100 });
    expect(edgeOf(second, `route:${REVIEWS}->${V2}`)).toMatchObject({ declaredWeight: 10, observedShare: 0 });
    expect(edgeOf(second, `route:${REVIEWS}->${V2}`)?.health?.state).toBe('NoTraffic');
    expect(nodeOf(second, V2)?.traffic).toBeUndefined();
    // The first answer is not changed by the second build (both copy the cached base).
    expect(edgeOf(first, CALLER_EDGE)?.traffic).toMatchObject({ requestsPerSecond: 10 });
    expect(nodeOf(first, V2)?.traffic).toMatchObject({ requestsPerSecond: 1 });
  });

  test('GIVEN a graph built for one config WHEN the weights change and a service is removed THEN the next graph shows the new weights and no removed service', () => {
    buildObservatoryGraph(observatoryInputs(), { windowMs: WINDOW_MS });
    const edited = MESH_YAML
      .replace('weight: 90 }', 'weight: 50 }').replace('weight: 10 }', 'weight: 50 }')
      .replace('metadata: { name: ratings-v1-a, namespace: shop, labels: { app: ratings, version: v1 } }', 'metadata: { name: ratings-v1-a, namespace: shop, labels: { app: stars, version: v1 } }');
    expect(edited).not.toBe(MESH_YAML);

    const graph = buildObservatoryGraph(observatoryInputs({ traffic: fakeTraffic(CANARY_TRAFFIC) }, edited), { windowMs: WINDOW_MS });

    expect(edgeOf(graph, `route:${REVIEWS}->${V1}`)).toMatchObject({ declaredWeight: 50, observedShare: 90 });
    expect(edgeOf(graph, `route:${REVIEWS}->${V2}`)).toMatchObject({ declaredWeight: 50, observedShare: 10 });
    expect(nodeOf(graph, 'version:shop/ratings/v1')).toBeUndefined();
    expect(nodeOf(graph, REVIEWS)?.badges.find((badge) => badge.kind === 'canary')?.text).toBe('canary: v1 50 % / v2 50 %');
  });

  test('GIVEN the same config WHEN an edit is rejected or a rollout moves THEN the badges follow without a new config', () => {
    const inputs = observatoryInputs();
    const before = buildObservatoryGraph(inputs, { windowMs: WINDOW_MS });
    const rejected = [{ kind: 'VirtualService', namespace: 'shop', name: 'reviews-canary', origin: { source: 'edit.yaml' }, reasons: ['weights sum to 110'] }];
    const rollout = { key: 'shop/reviews/default', host: REVIEWS_HOST, phase: 'Progressing', step: 2, steps: 4, weight: 25 };

    const withRejected = buildObservatoryGraph({ ...inputs, rejected }, { windowMs: WINDOW_MS });
    const withRollout = buildObservatoryGraph({ ...inputs, rollouts: [rollout] }, { windowMs: WINDOW_MS });
    const rolledOn = buildObservatoryGraph({ ...inputs, rollouts: [{ ...rollout, step: 3, weight: 50 }] }, { windowMs: WINDOW_MS });

    const kinds = (graph: ObservatoryGraph) => nodeOf(graph, REVIEWS)!.badges.map((badge) => badge.kind);
    expect(kinds(before)).not.toContain('rejected');
    expect(kinds(withRejected)).toContain('rejected');
    expect(nodeOf(withRollout, REVIEWS)!.badges.find((badge) => badge.kind === 'canary')?.text).toBe('rollout step 2/4 · 25 % · Progressing');
    expect(nodeOf(rolledOn, REVIEWS)!.badges.find((badge) => badge.kind === 'canary')?.text).toBe('rollout step 3/4 · 50 % · Progressing');
  });
});
