import { buildObservatoryGraph } from '../../src/observatory/build-graph';
import type { ObservatoryGraph } from '../../src/observatory/observatory-graph';
import { CANARY_TRAFFIC, destination, fakeTraffic, observatoryInputs, PRODUCTPAGE, REVIEWS_HOST } from './observatory-fixture';

const WINDOW_MS = 60_000;
const REVIEWS = 'service:shop/reviews';
const V1 = 'version:shop/reviews/v1';
const V2 = 'version:shop/reviews/v2';
const V3 = 'version:shop/reviews/v3';
const CALLER = 'workload:shop/productpage-v1';

const nodeOf = (graph: ObservatoryGraph, id: string) => graph.nodes.find((node) => node.id === id)!;
const edgeOf = (graph: ObservatoryGraph, id: string) => graph.edges.find((edge) => edge.id === id)!;

describe('observatory graph: base graph and appenders', () => {
  test('GIVEN the accepted config and canary traffic WHEN the graph is built THEN services, versions and the caller are nodes, joined by traffic and route edges', () => {
    const graph = buildObservatoryGraph(observatoryInputs(), { windowMs: WINDOW_MS });

    expect(graph.nodes.map((node) => `${node.kind} ${node.id}`)).toEqual([
      'unknown host:ghost.shop.svc.cluster.local', 'service service:shop/ratings', `service ${REVIEWS}`,
      'version version:shop/ratings/v1', `version ${V1}`, `version ${V2}`, `version ${V3}`, `workload ${CALLER}`,
    ]);
    expect(graph.edges.map((edge) => edge.id)).toEqual(expect.arrayContaining([
      `traffic:${CALLER}->${REVIEWS}`, `route:${REVIEWS}->${V1}`, `route:${REVIEWS}->${V2}`, `mirror:${REVIEWS}->service:shop/ratings`,
    ]));
    expect(graph.namespaces).toEqual(['shop']);
  });

  test('GIVEN 9 rps to v1 and 1 rps to v2 WHEN traffic and weights are appended THEN the caller edge carries 10 rps and 5 % errors and v2 shows 10 % declared / 10 % observed', () => {
    const graph = buildObservatoryGraph(observatoryInputs(), { windowMs: WINDOW_MS });

    expect(edgeOf(graph, `traffic:${CALLER}->${REVIEWS}`).traffic).toMatchObject({ requestsPerSecond: 10, errorRatio: 0.05, p99Ms: 40 });
    expect(edgeOf(graph, `route:${REVIEWS}->${V2}`)).toMatchObject({ declaredWeight: 10, observedShare: 10 });
    expect(edgeOf(graph, `route:${REVIEWS}->${V1}`)).toMatchObject({ declaredWeight: 90, observedShare: 90 });
    // The fault route's match sends jason to v1 at 100 %; the catch-all's 90 % is the weight shown.
    expect(nodeOf(graph, V2).traffic).toMatchObject({ requestsPerSecond: 1, errorRatio: 0.5 });
  });

  test('GIVEN v2 failing half its requests and v3 with no pod WHEN health is appended THEN v2 is Failure, v1 Healthy, v3 Failure for no endpoints, and ratings has no traffic', () => {
    const graph = buildObservatoryGraph(observatoryInputs(), { windowMs: WINDOW_MS });

    expect(nodeOf(graph, V2).health).toEqual({ state: 'Failure', reason: 'errors 50.0 % ≥ 10 %' });
    expect(nodeOf(graph, V1).health?.state).toBe('Healthy');
    expect(nodeOf(graph, V3).health).toEqual({ state: 'Failure', reason: 'no endpoints' });
    expect(nodeOf(graph, 'version:shop/ratings/v1').health?.state).toBe('NoTraffic');
    expect(nodeOf(graph, REVIEWS).health?.state).toBe('Degraded');
    expect(nodeOf(graph, V1).endpoints).toEqual({ total: 2, ejected: 0 });
  });

  test('GIVEN callers ejecting one v1 pod WHEN endpoints are appended THEN v1 shows 1 of 2 ejected and is Degraded', () => {
    const traffic = fakeTraffic([
      { ...CANARY_TRAFFIC[0], ejectedHosts: 1 },
      CANARY_TRAFFIC[1],
    ]);
    const graph = buildObservatoryGraph(observatoryInputs({ traffic }), { windowMs: WINDOW_MS });

    expect(nodeOf(graph, V1).endpoints).toEqual({ total: 2, ejected: 1 });
    expect(nodeOf(graph, V1).health).toEqual({ state: 'Degraded', reason: '1 of 2 endpoints ready, 1 ejected' });
  });

  test('GIVEN all mutual TLS to reviews and half plaintext to ratings WHEN security is appended THEN only the reviews edge is locked, and reviews is STRICT', () => {
    const traffic = fakeTraffic([
      ...CANARY_TRAFFIC,
      { source: PRODUCTPAGE, destination: destination('ratings.shop.svc.cluster.local', undefined, 'v1'), requestsPerSecond: 2, mtlsShare: 0.5 },
    ]);
    const graph = buildObservatoryGraph(observatoryInputs({ traffic }), { windowMs: WINDOW_MS });

    expect(edgeOf(graph, `traffic:${CALLER}->${REVIEWS}`).mtls).toBe(true);
    expect(edgeOf(graph, `traffic:${CALLER}->service:shop/ratings`).mtls).toBe(false);
    expect(nodeOf(graph, REVIEWS).mtlsMode).toBe('STRICT');
    expect(nodeOf(graph, 'service:shop/ratings').mtlsMode).toBe('PERMISSIVE');
  });

  test('GIVEN a fault, an outlier detection, a mirror, a 90/10 split and a rejected edit WHEN badges are appended THEN reviews carries each', () => {
    const rejected = [{ kind: 'VirtualService', namespace: 'shop', name: 'reviews-canary', origin: { source: 'edit.yaml' }, reasons: ['weights sum to 110'] }];
    const graph = buildObservatoryGraph(observatoryInputs({ rejected }), { windowMs: WINDOW_MS });

    expect(nodeOf(graph, REVIEWS).badges).toEqual([
      { kind: 'fault', text: 'abort 503 · 100 % when header end-user=jason' },
      { kind: 'circuit-breaker', text: 'circuit breaker: eject after 3 errors for 30s (shop/reviews)' },
      { kind: 'canary', text: 'canary: v1 90 % / v2 10 %' },
      { kind: 'rejected', text: 'VirtualService shop/reviews-canary rejected: weights sum to 110' },
      { kind: 'mirror', text: 'mirrors 20 % to ratings' },
    ]);
  });

  test('GIVEN a running rollout of reviews WHEN badges are appended THEN the canary badge shows its step, weight, phase and verdict', () => {
    const rollouts = [{ key: 'shop/reviews/default', host: REVIEWS_HOST, phase: 'Progressing', step: 2, steps: 4, weight: 25, lastVerdict: 'passed: 0.4 % errors' }];
    const graph = buildObservatoryGraph(observatoryInputs({ rollouts }), { windowMs: WINDOW_MS });

    expect(nodeOf(graph, REVIEWS).badges.find((badge) => badge.kind === 'canary')?.text).toBe('rollout step 2/4 · 25 % · Progressing · passed: 0.4 % errors');
  });

  test('GIVEN a namespace with no node WHEN the graph is filtered THEN it is empty; GIVEN shop THEN everything stays', () => {
    const inputs = observatoryInputs();
    expect(buildObservatoryGraph(inputs, { windowMs: WINDOW_MS, namespace: 'other' })).toMatchObject({ nodes: [], edges: [] });
    expect(buildObservatoryGraph(inputs, { windowMs: WINDOW_MS, namespace: 'shop' }).nodes.map((node) => node.id))
      .toEqual(buildObservatoryGraph(inputs, { windowMs: WINDOW_MS }).nodes.map((node) => node.id).filter((id) => !id.startsWith('host:')));
  });

  test('GIVEN the same inputs twice WHEN built THEN the graphs are equal (the UI keeps its layout)', () => {
    const inputs = observatoryInputs();
    expect(buildObservatoryGraph(inputs, { windowMs: WINDOW_MS })).toEqual(buildObservatoryGraph(inputs, { windowMs: WINDOW_MS }));
  });

  test('GIVEN no config loaded yet WHEN the graph is built THEN it is empty rather than failing', () => {
    expect(buildObservatoryGraph(observatoryInputs({ push: undefined }), { windowMs: WINDOW_MS })).toMatchObject({ nodes: [], edges: [], namespaces: [] });
  });
});
