import { canaryFlush, declared, HEALTHY_PLAN, HOST } from './rollout-fixtures';
import { silentLogger } from '../../src/log';
import { RolloutController } from '../../src/rollout/rollout-controller';
import type { RolloutRecord } from '../../src/rollout/rollout-record';
import type { RolloutStateStore } from '../../src/rollout/rollout-state-store';
import { standaloneTotals } from '../../src/telemetry/fleet-subset-totals';
import { SubsetTotals } from '../../src/telemetry/subset-totals';

const T0 = Date.parse('2026-01-01T00:00:00Z');

class MemoryStore implements RolloutStateStore {
  readonly description = 'memory';
  saved: RolloutRecord[] = [];
  saves = 0;
  async load() {
    return this.saved;
  }
  async save(records: readonly RolloutRecord[]) {
    this.saves += 1;
    this.saved = JSON.parse(JSON.stringify(records));
  }
}

function controllerWith(store: MemoryStore, clock: { now: number }, traffic = new SubsetTotals()) {
  const pushes: string[] = [];
  const controller = new RolloutController({
    store, traffic: standaloneTotals(traffic, () => clock.now), clusterDomain: 'cluster.local', log: silentLogger(), clock: () => clock.now, onWeightsChanged: (reason) => pushes.push(reason),
  });
  return { controller, pushes, traffic };
}

describe('rollout controller', () => {
  const controllers: RolloutController[] = [];
  afterEach(async () => {
    await Promise.all(controllers.splice(0).map((controller) => controller.stop()));
  });
  function started(store: MemoryStore, clock: { now: number }) {
    const parts = controllerWith(store, clock);
    controllers.push(parts.controller);
    return parts;
  }

  test('GIVEN a declared rollout and canary traffic WHEN each pause ends THEN the served weight advances, saved before the push is asked for', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    const { controller, pushes, traffic } = started(store, clock);
    expect(controller.sync([declared()]).map((weight) => weight.canaryWeight)).toEqual([10]);

    traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    clock.now = T0 + 10_000;
    await controller.evaluate();
    expect(controller.weights().map((weight) => weight.canaryWeight)).toEqual([25]);
    expect(pushes).toEqual(['rollout:step']);
    expect(store.saved[0]).toMatchObject({ step: 1, weight: 25, lastVerdict: 'passed: success rate 100.0 % ≥ 99 % over 150 requests at step 1 of 4, weight 10 %' });
    expect(controller.renderMetrics()).toContain('mesh_rollout_step{namespace="default",route="reviews-canary",virtualservice="reviews"} 2');
    expect(controller.renderMetrics()).toContain('mesh_rollout_canary_weight{namespace="default",route="reviews-canary",virtualservice="reviews"} 25');
    expect(controller.renderMetrics()).toContain('mesh_rollout_state{namespace="default",route="reviews-canary",state="Progressing",virtualservice="reviews"} 1');
  });

  test('GIVEN a judged step whose save has not completed WHEN the weights are read THEN the old weight is served until the state is durable', async () => {
    const store = new MemoryStore();
    let finishSave: () => void = () => undefined;
    const clock = { now: T0 };
    const { controller, pushes, traffic } = started(store, clock);
    controller.sync([declared()]);
    await controller.evaluate();
    store.save = () => new Promise<void>((resolve) => {
      finishSave = resolve;
    });
    traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    clock.now = T0 + 10_000;
    const judging = controller.evaluate();
    await new Promise((resolve) => setImmediate(resolve));
    expect(controller.sync([declared()]).map((weight) => weight.canaryWeight)).toEqual([10]);
    expect(pushes).toEqual([]);
    finishSave();
    await judging;
    expect(controller.weights().map((weight) => weight.canaryWeight)).toEqual([25]);
    expect(pushes).toEqual(['rollout:step']);
  });

  test('GIVEN traffic from before the step WHEN the step is judged THEN only the step window counts', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    const { controller, traffic } = started(store, clock);
    controller.sync([declared()]);
    traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    clock.now = T0 + 10_000;
    await controller.evaluate();
    // Step 2 sees 20 % failures and its p99 over 100 ms; step 1's healthy traffic does not dilute them.
    traffic.add(HOST, 'v2', canaryFlush(160, 40, 300), undefined);
    clock.now = T0 + 20_000;
    await controller.evaluate();
    const [rollout] = (controller.view() as { rollouts: any[] }).rollouts;
    expect(rollout).toMatchObject({ state: 'Failed', weight: 0, step: '2/4' });
    expect(rollout.reason).toMatch(/^rolled back: success rate 80.0 % < 99 %, p99 latency \d+ ms > 100 ms over 200 requests at step 2 of 4, weight 25 %$/);
  });

  test('GIVEN a saved step WHEN a new controller loads the state (a restart) THEN it serves the same step and never advances it on old traffic', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    const first = started(store, clock);
    first.controller.sync([declared()]);
    first.traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    clock.now = T0 + 10_000;
    await first.controller.evaluate();
    await first.controller.stop();

    clock.now = T0 + 45_000;
    const second = started(store, clock);
    await second.controller.load();
    expect(second.controller.sync([declared()]).map((weight) => weight.canaryWeight)).toEqual([25]);
    await second.controller.evaluate();
    expect((second.controller.view() as { rollouts: any[] }).rollouts[0]).toMatchObject({ state: 'Progressing', step: '2/4', weight: 25, waitingForTraffic: true });
    expect(second.pushes).toEqual([]);

    second.traffic.add(HOST, 'v2', canaryFlush(120, 0), undefined);
    clock.now = T0 + 46_000;
    await second.controller.evaluate();
    expect(second.controller.weights()[0].canaryWeight).toBe(50);
  });

  test('GIVEN a store that cannot be read WHEN loaded THEN the rollout starts at step 1 instead of failing', async () => {
    const store = new MemoryStore();
    store.load = () => Promise.reject(new Error('disk gone'));
    const { controller } = started(store, { now: T0 });
    await controller.load();
    expect(controller.sync([declared()])[0].canaryWeight).toBe(10);
  });

  test('GIVEN an operator WHEN acting on rollouts THEN known actions apply, others are refused with a status and a reason', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    const { controller, pushes } = started(store, clock);
    controller.sync([declared()]);

    expect(await controller.act('default/reviews/reviews-canary', 'pause')).toMatchObject({ status: 200, body: { state: 'Paused', weight: 10 } });
    expect(await controller.act('default/reviews/reviews-canary', 'pause')).toMatchObject({ status: 409 });
    expect(await controller.act('default/ratings/x', 'abort')).toEqual({ status: 404, body: { error: "no rollout 'default/ratings/x'; running rollouts: default/reviews/reviews-canary (see /debug/rollouts)" } });
    expect(await controller.act('default/reviews/reviews-canary', 'promote')).toMatchObject({ status: 200, body: { state: 'Promoted', weight: 100 } });
    expect(pushes).toEqual(['rollout:promote']);
    expect(store.saved[0]).toMatchObject({ phase: 'Promoted', weight: 100 });
  });

  test('GIVEN a rollout no longer declared WHEN synced THEN it is forgotten and serves nothing', () => {
    const { controller, traffic } = started(new MemoryStore(), { now: T0 });
    controller.sync([declared()]);
    expect(controller.sync([])).toEqual([]);
    expect(traffic.read(`${HOST}|v2`)).toBeUndefined();
    expect((controller.view() as { rollouts: unknown[] }).rollouts).toEqual([]);
  });

  test('GIVEN the plan edited WHEN synced mid-rollout THEN the new plan starts at its step 1', async () => {
    const clock = { now: T0 };
    const { controller, traffic } = started(new MemoryStore(), clock);
    controller.sync([declared()]);
    traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    clock.now = T0 + 10_000;
    await controller.evaluate();
    const weights = controller.sync([declared({ ...HEALTHY_PLAN, steps: [{ weight: 30, pause: '1m' }, { weight: 100, pause: '1m' }] })]);
    expect(weights.map((weight) => weight.canaryWeight)).toEqual([30]);
  });
});
