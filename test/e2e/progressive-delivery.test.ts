/**
 * Progressive delivery executed by the reconciler, with real Envoy sidecars: a CanaryRelease's
 * steps advance on the canary's own telemetry (Envoy stats streamed every 500 ms), the weights
 * reach Envoy only through RDS (no file in the config directory changes), an unhealthy canary
 * (503s or slow answers) is rolled back, and a SIGKILLed reconciler resumes at the same step
 * while Envoy keeps serving that step's weight.
 *
 * Shares are checked within four standard deviations of their sample sizes; a step's answers are
 * the requests sent while the reconciler's history says that step was served, minus a settling
 * margin after each change for the push to reach Envoy.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { scriptApplication } from './support/chaos-backends';
import { RolloutView, rolloutOf, waitForRollout, waitForServedCanaryWeight } from './support/rollout-views';
import { startTimedTraffic, TimedAnswer } from './support/timed-traffic';
import { MIN_SIGMAS, expectShareNear, shareSigmaPoints } from '../../reconciler/test/support/shares';
import { waitUntil } from '../../reconciler/test/support/wait';
import { CanaryRelease, Mesh, MeshService } from '../../src';
import { httpService } from './support/http-service';

jest.setTimeout(180_000);

const CLIENT = 'productpage';
const STATS_FLUSH_MS = 500;
/** After a weight change, answers are not attributed to either step until the push has surely reached Envoy. */
const SETTLE_MS = 1500;
const CANARY_HEADER = { name: 'x-canary', value: 'always' };

function service(chart: Chart, mesh: Mesh, name: string): MeshService {
  return httpService(chart, mesh, name, { id: `Service-${name}`, versions: ['v1', 'v2'] });
}

/** Every file of a directory with a digest of its content. */
function directoryDigest(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, createHash('sha256').update(fs.readFileSync(path.join(dir, name))).digest('hex')]));
}

function expectShareWithinFourSigma(answers: readonly TimedAnswer[], version: string, expectedPercent: number): void {
  const count = answers.filter((answer) => answer.version === version).length;
  expectShareNear(count, answers.length, expectedPercent, MIN_SIGMAS * shareSigmaPoints(answers.length, expectedPercent));
}

describe('progressive delivery: a healthy canary walks 10 → 25 → 50 → 100 and is promoted', () => {
  const KEY = 'default/reviews/reviews-canary';
  const WEIGHTS = [10, 25, 50, 100];
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'rollout-healthy',
      build: (chart, meshConstruct) => {
        new CanaryRelease(chart, 'ReviewsCanary', {
          service: service(chart, meshConstruct, 'reviews'),
          stable: 'v1',
          canary: 'v2',
          canaryWeight: 0,
          alwaysCanaryHeader: CANARY_HEADER,
          // Enough canary answers per step that every step's window also holds enough answers for the share check.
          minRequests: 60,
          trafficWaitLimit: Duration.minutes(1),
          steps: WEIGHTS.map((weight) => ({ weight, pause: Duration.seconds(4), minSuccessRate: 99 })),
        });
      },
      workloads: [{ service: 'reviews', version: 'v1' }, { service: 'reviews', version: 'v2' }],
      clients: [{ name: CLIENT }],
      reconciler: 'child',
      statsFlushIntervalMs: STATS_FLUSH_MS,
    });
  });

  afterAll(() => mesh?.stop());

  test('GIVEN steady traffic WHEN the rollout runs THEN each step serves its weight (±4σ), the header still forces the canary, it ends Promoted, and no config file changed', () => mesh.run(async () => {
    const filesBefore = directoryDigest(mesh.configDir);
    const traffic = startTimedTraffic(mesh, CLIENT, { service: 'reviews' }, { markEvery: 10, markHeaders: { [CANARY_HEADER.name]: CANARY_HEADER.value } });
    const promoted = await waitForRollout(mesh, KEY, 'to be promoted', (rollout) => rollout.state !== 'Progressing');
    // Some answers at the promoted weight as well.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await traffic.stop();
    const stoppedAt = Date.now();

    expect(promoted).toMatchObject({ state: 'Promoted', step: '4/4', weight: 100, reason: 'promoted — change the code to make it permanent' });
    expect(promoted.history.map((event) => `${event.phase} ${event.weight}`)).toEqual(['Progressing 10', 'Progressing 25', 'Progressing 50', 'Progressing 100', 'Promoted 100']);
    expect(traffic.errors).toEqual([]);
    expect(traffic.answers.every((answer) => answer.status === 200)).toBe(true);
    const forced = traffic.answers.filter((answer) => answer.marked);
    expect(forced.length).toBeGreaterThan(20);
    expect(forced.every((answer) => answer.version === 'v2')).toBe(true);

    const starts = promoted.history.filter((event) => event.phase === 'Progressing').map((event) => Date.parse(event.at));
    WEIGHTS.forEach((weight, index) => {
      const from = starts[index] + SETTLE_MS;
      const to = index + 1 < starts.length ? starts[index + 1] : stoppedAt;
      const answers = traffic.answers.filter((answer) => !answer.marked && answer.sentAt >= from && answer.sentAt < to);
      expect({ weight, enoughAnswers: answers.length >= 50 }).toEqual({ weight, enoughAnswers: true });
      expectShareWithinFourSigma(answers, 'v2', weight);
    });

    expect(directoryDigest(mesh.configDir)).toEqual(filesBefore);
    const metrics = await mesh.reconciler.opsText('/metrics');
    expect(metrics).toContain('mesh_rollout_state{namespace="default",route="reviews-canary",state="Promoted",virtualservice="reviews"} 1');
    expect(metrics).toContain('mesh_rollout_canary_weight{namespace="default",route="reviews-canary",virtualservice="reviews"} 100');
    expect(metrics).toContain('mesh_rollout_step{namespace="default",route="reviews-canary",virtualservice="reviews"} 4');
  }));
});

describe('progressive delivery: an unhealthy canary is rolled back', () => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'rollout-rollback',
      build: (chart, meshConstruct) => {
        new CanaryRelease(chart, 'ReviewsCanary', {
          service: service(chart, meshConstruct, 'reviews'),
          stable: 'v1',
          canary: 'v2',
          canaryWeight: 0,
          minRequests: 30,
          steps: [
            { weight: 20, pause: Duration.seconds(3), minSuccessRate: 99 },
            { weight: 50, pause: Duration.seconds(3), minSuccessRate: 99 },
            { weight: 100, pause: Duration.seconds(3) },
          ],
        });
        new CanaryRelease(chart, 'RatingsCanary', {
          service: service(chart, meshConstruct, 'ratings'),
          stable: 'v1',
          canary: 'v2',
          canaryWeight: 0,
          minRequests: 30,
          steps: [{ weight: 20, pause: Duration.seconds(3), maxP99Latency: Duration.millis(100) }, { weight: 100, pause: Duration.seconds(3) }],
        });
      },
      workloads: ['reviews', 'ratings'].flatMap((name) => [{ service: name, version: 'v1' }, { service: name, version: 'v2' }]),
      clients: [{ name: CLIENT }],
      reconciler: 'child',
      statsFlushIntervalMs: STATS_FLUSH_MS,
    });
    await scriptApplication(mesh, 'reviews', 'v2', 0, (count) => ({ status: count % 5 === 0 ? 503 : 200 }));
    await scriptApplication(mesh, 'ratings', 'v2', 0, () => ({ status: 200, delayMs: 300 }));
  });

  afterAll(() => mesh?.stop());

  test('GIVEN a canary answering 503 to 20 % and one answering after 300 ms WHEN their first step is judged THEN both roll back, stable serves 100 %, and /debug/rollouts says why', () => mesh.run(async () => {
    const traffic = [startTimedTraffic(mesh, CLIENT, { service: 'reviews' }), startTimedTraffic(mesh, CLIENT, { service: 'ratings' })];
    const [reviews, ratings] = await Promise.all(['default/reviews/reviews-canary', 'default/ratings/ratings-canary'].map((key) =>
      waitForRollout(mesh, key, 'to finish', (rollout) => rollout.state !== 'Progressing')));
    await Promise.all(traffic.map((generator) => generator.stop()));

    // Rolled back within the first evaluation window: no step was passed.
    expect(reviews).toMatchObject({ state: 'Failed', weight: 0, step: '1/3' });
    expect(reviews.history.map((event) => `${event.phase} ${event.step} ${event.weight}`)).toEqual(['Progressing 1 20', 'Failed 1 0']);
    expect(reviews.reason).toMatch(/^rolled back: success rate (\d+\.\d) % < 99 % over \d+ requests at step 1 of 3, weight 20 %$/);
    const successRate = Number(/success rate (\d+\.\d) %/.exec(reviews.reason)![1]);
    const judged = Number(/over (\d+) requests/.exec(reviews.reason)![1]);
    // The canary fails exactly every fifth request, so its success rate is 80 % up to one request's share.
    expect(Math.abs(successRate - 80)).toBeLessThanOrEqual(100 / judged + 0.1);

    expect(ratings).toMatchObject({ state: 'Failed', weight: 0, step: '1/2' });
    expect(ratings.reason).toMatch(/^rolled back: p99 latency (\d+) ms > 100 ms over \d+ requests at step 1 of 2, weight 20 %$/);
    expect(Number(/p99 latency (\d+) ms/.exec(ratings.reason)![1])).toBeGreaterThanOrEqual(250);

    for (const name of ['reviews', 'ratings']) {
      await waitForServedCanaryWeight(mesh, name, 0);
      const after = await mesh.sendMany(200, CLIENT, { service: name });
      expect({ name, versions: after.versions, errors: after.errors }).toEqual({ name, versions: { v1: 200 }, errors: [] });
    }
  }));
});

describe('progressive delivery: the reconciler is SIGKILLed mid-rollout', () => {
  const KEY = 'default/reviews/reviews-canary';
  const TOKEN = 'rollout-operator-token';
  let mesh: MeshScenario;
  let tokenDir: string;

  beforeAll(async () => {
    tokenDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-token-'));
    fs.writeFileSync(path.join(tokenDir, 'token'), `${TOKEN}\n`);
    mesh = await startMeshScenario({
      name: 'rollout-restart',
      build: (chart, meshConstruct) => {
        new CanaryRelease(chart, 'ReviewsCanary', {
          service: service(chart, meshConstruct, 'reviews'),
          stable: 'v1',
          canary: 'v2',
          canaryWeight: 0,
          minRequests: 20,
          steps: [
            { weight: 30, pause: Duration.seconds(2), minSuccessRate: 99 },
            { weight: 60, pause: Duration.minutes(10) },
            { weight: 100, pause: Duration.seconds(2) },
          ],
        });
      },
      workloads: [{ service: 'reviews', version: 'v1' }, { service: 'reviews', version: 'v2' }],
      clients: [{ name: CLIENT }],
      reconciler: 'child',
      reconcilerArgs: ['--ops-token-file', path.join(tokenDir, 'token')],
      statsFlushIntervalMs: STATS_FLUSH_MS,
    });
  });

  afterAll(async () => {
    await mesh?.stop();
    fs.rmSync(tokenDir, { recursive: true, force: true });
  });

  test('GIVEN step 2 of 3 served WHEN the reconciler is killed and restarted THEN Envoy keeps 60 % meanwhile, the rollout resumes at step 2, and an operator can promote it', () => mesh.run(async () => {
    const traffic = startTimedTraffic(mesh, CLIENT, { service: 'reviews' });
    const atStep2 = await waitForRollout(mesh, KEY, 'to reach step 2', (rollout) => rollout.step === '2/3' || rollout.state !== 'Progressing');
    await traffic.stop();
    expect(atStep2).toMatchObject({ state: 'Progressing', step: '2/3', weight: 60 });
    await waitForServedCanaryWeight(mesh, 'reviews', 60);

    await mesh.reconciler.kill();
    const whileDown = await mesh.sendMany(400, CLIENT, { service: 'reviews' });
    expect(whileDown.errors).toEqual([]);
    expectShareNear(whileDown.versions.v2 ?? 0, 400, 60, MIN_SIGMAS * shareSigmaPoints(400, 60));

    await mesh.reconciler.restart();
    await mesh.waitUntilServed();
    const resumed = await rolloutOf(mesh, KEY);
    expect(resumed).toMatchObject({ state: 'Progressing', step: '2/3', weight: 60 });
    expect(resumed.history.map((event) => `${event.phase} ${event.step} ${event.weight}`)).toEqual(['Progressing 1 30', 'Progressing 2 60']);
    const afterRestart = await mesh.sendMany(400, CLIENT, { service: 'reviews' });
    expectShareNear(afterRestart.versions.v2 ?? 0, 400, 60, MIN_SIGMAS * shareSigmaPoints(400, 60));

    const promote = `/rollouts/${KEY}/promote`;
    expect((await mesh.reconciler.opsPost(promote, { authorization: 'Bearer wrong' })).status).toBe(401);
    const promoted = await mesh.reconciler.opsPost<RolloutView>(promote, { authorization: `Bearer ${TOKEN}` });
    expect(promoted).toMatchObject({ status: 200, body: { state: 'Promoted', weight: 100 } });
    await waitUntil('the promoted weight to reach Envoy', async () => (await mesh.sendMany(20, CLIENT, { service: 'reviews' })).versions.v2 === 20, 30_000, 100);
    const after = await mesh.sendMany(200, CLIENT, { service: 'reviews' });
    expect(after.versions).toEqual({ v2: 200 });
  }));
});
