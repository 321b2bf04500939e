/**
 * ResiliencePolicy through real Envoy: retries hide a backend that fails every other request, and a
 * route timeout turns a slow backend into a 504 once the timeout has passed.
 */
import { Duration } from 'cdk8s';
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { answersAfter, FAILS_EVERY_OTHER_REQUEST, scriptApplication, ScriptedApplication } from './support/chaos-backends';
import { Mesh, ResiliencePolicy, RetryOn } from '../../src';
import { httpService } from './support/http-service';

const TIMEOUT_MS = 500;
// Envoy's timers may fire a little early against the client's clock (a 500 ms fault delay was seen
// at 497.6 ms); 10 % of slack still tells "waited for the timeout" from "failed at once".
const TIMER_SLACK_MS = 50;
const SLOW_BACKEND_MS = 3000;


function declareMesh(chart: Chart, mesh: Mesh): void {
  new ResiliencePolicy(chart, 'RetriedRetries', {
    service: httpService(chart, mesh, 'retried'), retries: { attempts: 2, retryOn: [RetryOn.SERVER_ERROR] },
  });
  // No policy: Istio's default retries do not cover a 503 answered by the application.
  httpService(chart, mesh, 'unretried');
  new ResiliencePolicy(chart, 'SlowTimeout', { service: httpService(chart, mesh, 'slow'), timeout: Duration.millis(TIMEOUT_MS) });
}

describe('ResiliencePolicy retries and timeouts through real Envoy', () => {
  let mesh: MeshScenario;
  const flaky: Record<string, ScriptedApplication> = {};

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'resilience',
      build: declareMesh,
      workloads: ['retried', 'unretried', 'slow'].map((name) => ({ service: name, version: 'v1' })),
      clients: [{ name: 'productpage' }],
    });
    for (const name of ['retried', 'unretried']) {
      flaky[name] = await scriptApplication(mesh, name, 'v1', 0, FAILS_EVERY_OTHER_REQUEST);
    }
    await scriptApplication(mesh, 'slow', 'v1', 0, answersAfter(SLOW_BACKEND_MS));
  });

  afterAll(() => mesh?.stop());

  test.each([
    ['retries on 5xx', 'retried', { 200: 40 }, 80],
    ['no retry policy', 'unretried', { 200: 20, 503: 20 }, 40],
  ])('GIVEN a backend failing every other request and %s (service %s) WHEN 40 requests are sent one by one THEN the client sees only the statuses the policy lets through',
    (_, name, statuses, backendHits) => mesh.run(async () => {
      const hitsBefore = flaky[name].hits;
      const summary = await mesh.sendMany(40, 'productpage', { service: name }, { concurrency: 1 });

      expect(summary.errors).toEqual([]);
      expect(summary.statuses).toEqual(statuses);
      expect(flaky[name].hits - hitsBefore).toBe(backendHits);
    }));

  test('GIVEN a 500 ms route timeout and a backend answering after 3 s WHEN called THEN Envoy answers 504 after the timeout, not after the backend', () => mesh.run(async () => {
    const timeoutStat = 'cluster.outbound|9080||slow.default.svc.cluster.local.upstream_rq_timeout';
    const timeoutsBefore = (await mesh.envoyStats('productpage'))[timeoutStat] ?? 0;
    const response = await mesh.request('productpage', { service: 'slow' });

    // Envoy's own answer and its count of route timeouts: the backend never answered this request.
    expect(response.status).toBe(504);
    expect(response.body).toBe('upstream request timeout');
    expect((await mesh.envoyStats('productpage'))[timeoutStat] - timeoutsBefore).toBe(1);
    // A lower bound only: load can delay the answer, never hurry it.
    expect(response.latencyMs).toBeGreaterThanOrEqual(TIMEOUT_MS - TIMER_SLACK_MS);
  }));
});
