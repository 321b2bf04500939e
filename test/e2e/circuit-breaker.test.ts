/**
 * CircuitBreaker through real Envoy: a connection pool of one connection and one pending request
 * sheds the excess of five concurrent callers at once (Envoy's overflow 503), and outlier detection
 * ejects the one instance of a version that answers 5xx, then lets it back after the ejection time.
 */
import { Duration } from 'cdk8s';
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { ALWAYS_FAILS, answersAfter, HEALTHY, scriptApplication, ScriptedApplication } from './support/chaos-backends';
import { waitUntil } from '../../reconciler/test/support/wait';
import { CircuitBreaker, Mesh } from '../../src';
import { httpService } from './support/http-service';

/** Long enough that five concurrent callers all arrive while the first is still being served, even on a loaded machine. */
const POOL_BACKEND_MS = 1500;
const EJECTION_MS = 2000;
const INTERVAL_MS = 500;


function declareMesh(chart: Chart, mesh: Mesh): void {
  new CircuitBreaker(chart, 'PoolLimit', {
    service: httpService(chart, mesh, 'pooled'), connectionPool: { maxConnections: 1, http1MaxPendingRequests: 1 },
  });
  new CircuitBreaker(chart, 'Ejection', {
    service: httpService(chart, mesh, 'ejecting'),
    outlierDetection: {
      consecutive5xxErrors: 3, interval: Duration.millis(INTERVAL_MS), baseEjectionTime: Duration.millis(EJECTION_MS), maxEjectionPercent: 50,
    },
  });
}

describe('CircuitBreaker through real Envoy', () => {
  let mesh: MeshScenario;
  let failing: ScriptedApplication;
  let healthy: ScriptedApplication;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'circuit-breaker',
      build: declareMesh,
      workloads: [{ service: 'pooled', version: 'v1' }, { service: 'ejecting', version: 'v1', instances: 2 }],
      clients: [{ name: 'productpage' }],
    });
    await scriptApplication(mesh, 'pooled', 'v1', 0, answersAfter(POOL_BACKEND_MS));
    failing = await scriptApplication(mesh, 'ejecting', 'v1', 0, ALWAYS_FAILS);
    healthy = await scriptApplication(mesh, 'ejecting', 'v1', 1, HEALTHY);
  });

  afterAll(() => mesh?.stop());

  test('GIVEN one connection and one pending request allowed WHEN 5 clients call at once THEN the excess gets Envoy\'s overflow 503 and nothing hangs', () => mesh.run(async () => {
    const overflowStat = 'cluster.outbound|9080||pooled.default.svc.cluster.local.upstream_rq_pending_overflow';
    const overflowBefore = (await mesh.envoyStats('productpage'))[overflowStat] ?? 0;
    let answered = 0;
    const responses = await Promise.all(Array.from({ length: 5 }, async () => {
      const response = await mesh.request('productpage', { service: 'pooled', timeoutMs: 10_000 });
      answered += 1;
      return { ...response, answeredAs: answered };
    }));

    const overloaded = responses.filter((response) => response.status === 503);
    const served = responses.filter((response) => response.status === 200);
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(overloaded.length).toBeGreaterThanOrEqual(1);
    expect(overloaded.length + served.length).toBe(5);
    overloaded.forEach((response) => expect(response.headers['x-envoy-overloaded']).toBe('true'));
    // Shed at once rather than queued behind the slow backend: every 503 came back before any 200.
    expect(Math.max(...overloaded.map((response) => response.answeredAs))).toBeLessThan(Math.min(...served.map((response) => response.answeredAs)));
    expect((await mesh.envoyStats('productpage'))[overflowStat] - overflowBefore).toBe(overloaded.length);
  }));

  test('GIVEN two instances, one answering 500 WHEN traffic flows THEN the failing one is ejected, traffic moves to the healthy one, and it returns after the ejection time', () => mesh.run(async () => {
    const ejectionsStat = 'cluster.outbound|9080||ejecting.default.svc.cluster.local.outlier_detection.ejections_enforced_consecutive_5xx';

    // Until three 500s in a row have come from it, the failing instance still gets its share.
    const warmUpStartedAt = Date.now();
    const warmUp = await mesh.sendMany(20, 'productpage', { service: 'ejecting' }, { concurrency: 1 });
    expect(warmUp.statuses[500]).toBeGreaterThanOrEqual(3);
    expect((await mesh.envoyStats('productpage'))[ejectionsStat]).toBe(1);

    const failingHits = failing.hits;
    const ejectedPhase = await mesh.sendMany(20, 'productpage', { service: 'ejecting' }, { concurrency: 1 });
    expect(ejectedPhase.statuses).toEqual({ 200: 20 });
    expect(ejectedPhase.instances).toEqual({ [healthy.instance]: 20 });
    expect(failing.hits).toBe(failingHits);

    // Healed now, it still gets nothing until its ejection time is over.
    failing.behave(HEALTHY);
    await waitUntil('the ejected instance to serve again', async () => {
      const response = await mesh.request('productpage', { service: 'ejecting' });
      return response.instance === failing.instance;
    }, 30_000, 50);
    // It was ejected during the warm-up, so it cannot be back sooner than the ejection time after its start.
    expect(Date.now() - warmUpStartedAt).toBeGreaterThanOrEqual(EJECTION_MS);
  }));
});
