/**
 * Two replicas' rollout controllers on one saved state (the ConfigMap store over a fake API): only
 * the leader judges and saves, the follower serves what the leader saved, and a new leader
 * continues from the saved step — never step 1 again, never a step judged twice.
 */
import { FakeConfigMapApi } from './fake-configmap-api';
import { canaryFlush, declared, HOST } from './rollout-fixtures';
import type { Leadership } from '../../src/leadership/leadership';
import { silentLogger } from '../../src/log';
import { ConfigMapRolloutStateStore } from '../../src/rollout/configmap-rollout-state-store';
import { RolloutController } from '../../src/rollout/rollout-controller';
import type { RolloutRecord } from '../../src/rollout/rollout-record';
import type { RolloutTransition } from '../../src/rollout/rollout-transition';
import { standaloneTotals } from '../../src/telemetry/fleet-subset-totals';
import { SubsetTotals } from '../../src/telemetry/subset-totals';

const T0 = Date.parse('2026-01-01T00:00:00Z');

class ManualLeadership implements Leadership {
  isLeader: boolean;
  holder: string | undefined;
  private readonly listeners: ((leading: boolean) => void)[] = [];
  constructor(leading: boolean, holder: string) {
    this.isLeader = leading;
    this.holder = holder;
  }
  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }
  set(leading: boolean, holder: string): void {
    this.isLeader = leading;
    this.holder = holder;
    this.listeners.forEach((listener) => listener(leading));
  }
}

interface Replica {
  readonly controller: RolloutController;
  readonly leadership: ManualLeadership;
  readonly traffic: SubsetTotals;
  readonly pushes: string[];
  readonly transitions: RolloutTransition[];
}

const controllers: RolloutController[] = [];
afterEach(async () => {
  await Promise.all(controllers.splice(0).map((controller) => controller.stop()));
});

async function replica(api: FakeConfigMapApi, clock: { now: number }, leading: boolean, holder: string): Promise<Replica> {
  const leadership = new ManualLeadership(leading, holder);
  const traffic = new SubsetTotals();
  const pushes: string[] = [];
  const transitions: RolloutTransition[] = [];
  const controller = new RolloutController({
    store: new ConfigMapRolloutStateStore({ api, namespace: 'mesh-system', follow: (onChange) => api.follow(onChange) }),
    traffic: standaloneTotals(traffic, () => clock.now), clusterDomain: 'cluster.local', log: silentLogger(), clock: () => clock.now, leadership,
    onWeightsChanged: (reason) => pushes.push(reason), onTransition: (_, transition) => transitions.push(transition),
  });
  controllers.push(controller);
  await controller.load();
  return { controller, leadership, traffic, pushes, transitions };
}

/** Lets queued saves, reads and watch deliveries run. */
async function settle(): Promise<void> {
  for (let round = 0; round < 10; round += 1) await new Promise((resolve) => setImmediate(resolve));
}

async function saved(api: FakeConfigMapApi): Promise<RolloutRecord> {
  const records = await new ConfigMapRolloutStateStore({ api, namespace: 'mesh-system' }).load();
  return records[0];
}

const weight = (replicaOf: Replica) => replicaOf.controller.weights().map((served) => served.canaryWeight);
const view = (replicaOf: Replica) => (replicaOf.controller.view() as { rollouts: any[]; executing: boolean; leader: string | null });

describe('rollouts across replicas', () => {
  test('GIVEN a leader and a follower WHEN the leader advances, loses the lease and the follower takes over THEN the follower serves every saved step and continues from the saved one', async () => {
    const api = new FakeConfigMapApi();
    const clock = { now: T0 };
    const a = await replica(api, clock, true, 'reconciler-a');
    const b = await replica(api, clock, false, 'reconciler-a');
    expect(a.controller.sync([declared()])).toMatchObject([{ canaryWeight: 10 }]);
    expect(b.controller.sync([declared()])).toMatchObject([{ canaryWeight: 10 }]);
    await settle();
    expect(api.writes).toHaveLength(1);

    // Step 1 passes on the leader's telemetry; the follower, with the same telemetry, never judges.
    a.traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    b.traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    clock.now = T0 + 10_000;
    await b.controller.evaluate();
    await a.controller.evaluate();
    await settle();
    expect(weight(a)).toEqual([25]);
    expect(weight(b)).toEqual([25]);
    expect(b.pushes).toEqual(['rollout:leader-state']);
    expect(view(b)).toMatchObject({ executing: false, leader: 'reconciler-a', rollouts: [{ step: '2/4', weight: 25 }] });

    // The leader loses the Lease mid-step: from then on it judges nothing, however much time passes.
    a.leadership.set(false, 'reconciler-b');
    b.leadership.set(true, 'reconciler-b');
    await settle();
    const writesAtTakeover = api.writes.length;
    a.traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    clock.now = T0 + 25_000;
    await a.controller.evaluate();
    await settle();
    expect((await saved(api)).step).toBe(1);
    expect(view(b)).toMatchObject({ executing: true, rollouts: [{ step: '2/4', weight: 25 }] });

    // The new leader judges step 2 on traffic seen since it took over, and advances it once.
    await b.controller.evaluate();
    b.traffic.add(HOST, 'v2', canaryFlush(200, 0), undefined);
    clock.now = T0 + 26_000;
    await b.controller.evaluate();
    await settle();
    expect(weight(b)).toEqual([50]);
    expect(weight(a)).toEqual([50]);
    const state = await saved(api);
    expect(state).toMatchObject({ step: 2, weight: 50 });
    expect(state.history.map((event) => event.step)).toEqual([1, 2, 3]);
    expect(api.writes.length).toBeGreaterThan(writesAtTakeover);
    expect(a.transitions.map((transition) => transition.reason)).toEqual(['RolloutStarted', 'RolloutStepAdvanced']);
    // Its window began when it took over: at the pause's end it had seen no canary traffic yet.
    expect(b.transitions.map((transition) => transition.reason)).toEqual(['RolloutWaitingForTraffic', 'RolloutStepAdvanced']);
    expect(b.transitions.map((transition) => transition.message)).toEqual([
      'waiting for traffic: 0 of 100 requests at step 2 of 4, weight 25 %', 'progressing: at step 3 of 4, weight 50 %',
    ]);
  });

  test('GIVEN two replicas that both believe they lead WHEN both judge the same step THEN the second save conflicts, it adopts the first one\'s step, and the step advanced once', async () => {
    const api = new FakeConfigMapApi();
    const clock = { now: T0 };
    const a = await replica(api, clock, true, 'reconciler-a');
    a.controller.sync([declared()]);
    await settle();
    const b = await replica(api, clock, true, 'reconciler-b');
    b.controller.sync([declared()]);
    await settle();

    for (const each of [a, b]) each.traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    await a.controller.evaluate();
    await b.controller.evaluate();
    clock.now = T0 + 10_000;
    for (const each of [a, b]) each.traffic.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    await a.controller.evaluate();
    clock.now = T0 + 10_500;
    await b.controller.evaluate();
    await settle();

    const state = await saved(api);
    expect(state).toMatchObject({ step: 1, weight: 25, stepStartedAt: T0 + 10_000 });
    expect(state.history.map((event) => event.step)).toEqual([1, 2]);
    expect(view(b).rollouts[0]).toMatchObject({ step: '2/4', weight: 25 });
    expect(weight(b)).toEqual([25]);
    // The loser announced nothing of the judgement it dropped.
    expect(b.transitions.map((transition) => transition.reason)).toEqual([]);
  });

  test('GIVEN a follower WHEN an operator pauses through it THEN it refuses, naming the leader; the leader pauses and reports it', async () => {
    const api = new FakeConfigMapApi();
    const clock = { now: T0 };
    const a = await replica(api, clock, true, 'reconciler-a');
    const b = await replica(api, clock, false, 'reconciler-a');
    a.controller.sync([declared()]);
    b.controller.sync([declared()]);
    await settle();

    const refused = await b.controller.act('default/reviews/reviews-canary', 'pause');
    expect(refused).toEqual({ status: 409, body: { error: "this replica does not execute rollouts; the leader reconciler-a does: send the action to the leader's ops port (the holder of the rollout Lease)" } });
    const paused = await a.controller.act('default/reviews/reviews-canary', 'pause');
    await settle();
    expect(paused.status).toBe(200);
    expect((await saved(api)).phase).toBe('Paused');
    expect(view(b).rollouts[0]).toMatchObject({ state: 'Paused' });
    expect(a.transitions.at(-1)).toMatchObject({ reason: 'RolloutPaused', type: 'Normal', message: 'paused by an operator at step 1 of 4, weight 10 %' });
  });

  test('GIVEN a saved rollout at step 3 WHEN a replica starts as leader THEN its first weight is step 3\'s, never step 1\'s', async () => {
    const api = new FakeConfigMapApi();
    const clock = { now: T0 };
    const a = await replica(api, clock, true, 'reconciler-a');
    a.controller.sync([declared()]);
    for (const [at, requests] of [[10_000, 150], [20_000, 150]] as const) {
      a.traffic.add(HOST, 'v2', canaryFlush(requests, 0), undefined);
      clock.now = T0 + at;
      await a.controller.evaluate();
    }
    await settle();
    await a.controller.stop();
    expect((await saved(api)).step).toBe(2);

    const b = await replica(api, clock, false, 'reconciler-a');
    b.leadership.set(true, 'reconciler-b');
    await settle();
    expect(b.controller.sync([declared()])).toMatchObject([{ canaryWeight: 50 }]);
    expect(b.pushes).toEqual([]);
  });
});
