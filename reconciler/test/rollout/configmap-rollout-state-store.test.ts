import { apiError, FakeConfigMapApi } from './fake-configmap-api';
import { ConfigMapRolloutStateStore, ROLLOUT_STATE_KEY } from '../../src/rollout/configmap-rollout-state-store';
import type { RolloutRecord } from '../../src/rollout/rollout-record';
import { RolloutStateConflict } from '../../src/rollout/rollout-state-store';

const NAMESPACE = 'mesh-system';

function record(step: number, weight: number): RolloutRecord {
  return {
    key: 'shop/reviews/reviews-canary', planDigest: 'plan-1', phase: 'Progressing', step, weight, stepStartedAt: 1_000 * step,
    message: `progressing: at step ${step + 1} of 4, weight ${weight} %`, history: [{ at: 1_000 * step, phase: 'Progressing', step: step + 1, weight, message: 'progressing' }],
  };
}

function storeOn(api: FakeConfigMapApi, watchErrors: string[] = []) {
  return new ConfigMapRolloutStateStore({ api, namespace: NAMESPACE, follow: (onChange) => api.follow(onChange), onWatchError: (message) => watchErrors.push(message) });
}

describe('ConfigMap rollout state store', () => {
  test('GIVEN no ConfigMap WHEN the state is loaded and saved THEN it starts empty and the first save creates mesh-rollouts, labelled as the reconciler\'s', async () => {
    const api = new FakeConfigMapApi();
    const store = storeOn(api);
    expect(await store.load()).toEqual([]);

    await store.save([record(0, 10)]);

    expect(api.writes).toHaveLength(1);
    expect(api.writes[0].metadata).toMatchObject({ name: 'mesh-rollouts', namespace: NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'mesh-reconciler' } });
    expect(JSON.parse(api.writes[0].data![ROLLOUT_STATE_KEY])).toEqual({ version: 1, rollouts: [record(0, 10)] });
    expect(await storeOn(api).load()).toEqual([record(0, 10)]);
  });

  test('GIVEN saves in a row WHEN each is written THEN each replaces the version the previous one wrote', async () => {
    const api = new FakeConfigMapApi();
    const store = storeOn(api);
    await store.load();
    await store.save([record(0, 10)]);
    await store.save([record(1, 25)]);
    await store.save([record(2, 50)]);

    expect(api.writes.map((written) => JSON.parse(written.data![ROLLOUT_STATE_KEY]).rollouts[0].step)).toEqual([0, 1, 2]);
    expect(await storeOn(api).load()).toEqual([record(2, 50)]);
  });

  test('GIVEN a former leader that read step 2 WHEN the new leader saved step 3 first THEN the former leader\'s save is refused as a conflict and step 3 stays', async () => {
    const api = new FakeConfigMapApi();
    const seed = storeOn(api);
    await seed.load();
    await seed.save([record(1, 25)]);
    const former = storeOn(api);
    const current = storeOn(api);
    await former.load();
    await current.load();

    await current.save([record(2, 50)]);
    await expect(former.save([{ ...record(2, 50), message: 'judged a second time' }])).rejects.toThrow(RolloutStateConflict);

    expect((await storeOn(api).load())[0]).toEqual(record(2, 50));
    // Re-read, then it may write again on top of what it read.
    expect(await former.load()).toEqual([record(2, 50)]);
    await former.save([record(3, 100)]);
    expect((await storeOn(api).load())[0]).toEqual(record(3, 100));
  });

  test('GIVEN two replicas that both found no ConfigMap WHEN both create it THEN the second is a conflict, not an overwrite', async () => {
    const api = new FakeConfigMapApi();
    const first = storeOn(api);
    const second = storeOn(api);
    await first.load();
    await second.load();

    await first.save([record(0, 10)]);
    await expect(second.save([record(0, 10)])).rejects.toThrow(/ConfigMap mesh-system\/mesh-rollouts was written by another replica since this one read it \(HTTP 409: configmaps "mesh-rollouts" already exists\)/);
    expect(api.writes).toHaveLength(1);
  });

  test('GIVEN the reconciler may not write ConfigMaps WHEN it saves THEN the error names the ConfigMap, the status and the Role to fix', async () => {
    const api = new FakeConfigMapApi();
    const store = storeOn(api);
    await store.load();
    api.refuseWith = 403;
    await expect(store.save([record(0, 10)])).rejects.toThrow(
      /^cannot write ConfigMap mesh-system\/mesh-rollouts: HTTP 403: configmaps is forbidden: .*; the reconciler's Role must allow get, update, list and watch on ConfigMap mesh-rollouts and create on configmaps \(the Mesh construct emits that Role\)$/);
  });

  test('GIVEN a ConfigMap edited into something else WHEN loaded THEN the error names it and says how to start over', async () => {
    const api = new FakeConfigMapApi();
    api.overwrite(NAMESPACE, 'mesh-rollouts', { [ROLLOUT_STATE_KEY]: '{"version": 1, "rollouts": [' });
    await expect(storeOn(api).load()).rejects.toThrow('ConfigMap mesh-system/mesh-rollouts: key rollouts.json is not JSON; delete the ConfigMap and every declared rollout starts again at step 1');
    api.overwrite(NAMESPACE, 'mesh-rollouts', { [ROLLOUT_STATE_KEY]: '{"version": 1, "rollouts": [{"key": 3}]}' });
    await expect(storeOn(api).load()).rejects.toThrow('ConfigMap mesh-system/mesh-rollouts: rollouts[0] is not a rollout record');
  });

  test('GIVEN a follower watching WHEN the leader saves THEN the follower receives every saved state, and an unreadable one is reported, not delivered', async () => {
    const api = new FakeConfigMapApi();
    const errors: string[] = [];
    const follower = storeOn(api, errors);
    const seen: RolloutRecord[][] = [];
    const stop = follower.watch((records) => seen.push(records));
    const leader = storeOn(api);
    await leader.load();
    await leader.save([record(0, 10)]);
    await leader.save([record(1, 25)]);
    api.overwrite(NAMESPACE, 'mesh-rollouts', { [ROLLOUT_STATE_KEY]: 'not json' });
    await stop();
    api.overwrite(NAMESPACE, 'mesh-rollouts', { [ROLLOUT_STATE_KEY]: JSON.stringify({ version: 1, rollouts: [record(2, 50)] }) });

    expect(seen.map((records) => records[0].step)).toEqual([0, 1]);
    expect(errors).toEqual(['ConfigMap mesh-system/mesh-rollouts: key rollouts.json is not JSON; delete the ConfigMap and every declared rollout starts again at step 1']);
  });

  test('GIVEN a store made without a way to follow WHEN watched THEN it says so', () => {
    const store = new ConfigMapRolloutStateStore({ api: new FakeConfigMapApi(), namespace: NAMESPACE });
    expect(() => store.watch(() => undefined)).toThrow('ConfigMap mesh-system/mesh-rollouts cannot be watched: the store was made without a way to follow it');
  });

  test('GIVEN the API server failing with 500 WHEN loading THEN the error is the API\'s message, not a conflict', async () => {
    const api = new FakeConfigMapApi();
    api.read = async () => {
      throw apiError(500, 'etcdserver: request timed out');
    };
    await expect(storeOn(api).load()).rejects.toThrow('cannot read ConfigMap mesh-system/mesh-rollouts: HTTP 500: etcdserver: request timed out');
  });
});
