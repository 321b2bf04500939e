/**
 * The rollout leader judges a canary on the totals of every replica: sidecars report to whichever
 * replica they stream to, so a peer's counts matter as much as the leader's own. Peers are fakes
 * here (their totals are real SubsetTotals, read through the same wire format).
 */
import { canaryFlush, declared, HOST } from './rollout-fixtures';
import { silentLogger } from '../../src/log';
import { RolloutController } from '../../src/rollout/rollout-controller';
import type { RolloutRecord } from '../../src/rollout/rollout-record';
import type { RolloutStateStore } from '../../src/rollout/rollout-state-store';
import { FleetSubsetTotals, PeerReplica } from '../../src/telemetry/fleet-subset-totals';
import { peerTotalsOf } from '../../src/telemetry/peer-totals';
import { SubsetTotals } from '../../src/telemetry/subset-totals';

const T0 = Date.UTC(2026, 0, 1);

class MemoryStore implements RolloutStateStore {
  readonly description = 'memory';
  saved: RolloutRecord[] = [];
  async load(): Promise<RolloutRecord[]> {
    return this.saved;
  }
  async save(records: readonly RolloutRecord[]): Promise<void> {
    this.saved = [...records];
  }
}

/** Another replica: its own totals and incarnation, reachable or not. */
class FakePeer {
  totals: SubsetTotals;
  incarnation = 'first';
  reachable = true;
  constructor(readonly name: string, private readonly clock: { now: number }) {
    this.totals = new SubsetTotals(() => clock.now);
  }
  /** The peer's process restarts: counters from 0, a new incarnation, tracking what it tracked. */
  restart(): void {
    const keys = this.totals.keys;
    this.totals = new SubsetTotals(() => this.clock.now);
    this.totals.track(keys);
    this.incarnation = 'second';
  }
}

function leaderWith(peers: FakePeer[]) {
  const clock = { now: T0 };
  const local = new SubsetTotals(() => clock.now);
  const listed = new Set(peers.map((peer) => peer.name));
  const fleet = new FleetSubsetTotals({
    local, self: 'leader', incarnation: 'leader-1', clock: () => clock.now,
    peers: () => peers.filter((peer) => listed.has(peer.name)).map((peer): PeerReplica => ({ name: peer.name, opsUrl: `http://${peer.name}` })),
    fetchPeer: async (replica) => {
      const peer = peers.find((candidate) => candidate.name === replica.name)!;
      if (!peer.reachable) throw new Error('connect ECONNREFUSED');
      return JSON.parse(JSON.stringify(peerTotalsOf(peer.totals, peer.name, peer.incarnation)));
    },
  });
  const store = new MemoryStore();
  const controller = new RolloutController({
    store, traffic: fleet, clusterDomain: 'cluster.local', log: silentLogger(), clock: () => clock.now, onWeightsChanged: () => undefined,
  });
  const rollout = declared();
  controller.sync([rollout]);
  for (const peer of peers) peer.totals.track(local.keys);
  return { clock, local, fleet, store, controller, listed };
}

const verdictOf = (store: MemoryStore) => store.saved[0]?.lastVerdict;
const messageOf = (store: MemoryStore) => store.saved[0]?.message;

describe('a rollout judged on every replica\'s telemetry', () => {
  test('GIVEN the canary\'s callers report only to a peer WHEN the pause ends THEN the leader judges their traffic and advances', async () => {
    const peer = new FakePeer('follower', { now: T0 });
    const { clock, fleet, store, controller } = leaderWith([peer]);
    peer.totals.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    clock.now = T0 + 10_000;
    await fleet.poll();
    await controller.evaluate();
    expect(store.saved[0]).toMatchObject({ step: 1, weight: 25 });
    expect(verdictOf(store)).toBe('passed: success rate 100.0 % ≥ 99 % over 150 requests at step 1 of 4, weight 10 %');
    expect(controller.view()).toMatchObject({ rollouts: [{ telemetryByReplica: { requests: { follower: 150, leader: 0 }, unreachable: [] } }] });
  });

  test('GIVEN traffic on the leader and two peers WHEN judged THEN the verdict sums all three, failures included', async () => {
    const clock = { now: T0 };
    const peers = [new FakePeer('b', clock), new FakePeer('c', clock)];
    const leader = leaderWith(peers);
    leader.local.add(HOST, 'v2', canaryFlush(100, 0), undefined);
    peers[0].totals.add(HOST, 'v2', canaryFlush(100, 0), undefined);
    peers[1].totals.add(HOST, 'v2', canaryFlush(80, 20), undefined);
    leader.clock.now = T0 + 10_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(leader.store.saved[0]).toMatchObject({ phase: 'Failed', weight: 0 });
    expect(verdictOf(leader.store)).toBe('failed: success rate 93.3 % < 99 % over 300 requests at step 1 of 4, weight 10 %');
  });

  test('GIVEN a peer counting since before the step, first read within it WHEN judged THEN only what it counted after that first reading is in the window', async () => {
    const clock = { now: T0 - 5000 };
    const peer = new FakePeer('follower', clock);
    peer.totals.track([`${HOST}|v2`]);
    // 500 failing requests at the peer before the step begins: not the step's traffic.
    peer.totals.add(HOST, 'v2', canaryFlush(0, 500), undefined);
    const leader = leaderWith([peer]);
    leader.clock.now = T0 + 1000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    peer.totals.add(HOST, 'v2', canaryFlush(120, 0), undefined);
    leader.clock.now = T0 + 10_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(verdictOf(leader.store)).toBe('passed: success rate 100.0 % ≥ 99 % over 120 requests at step 1 of 4, weight 10 %');
  });

  test('GIVEN a peer that restarts mid-window (its counters reset) WHEN judged THEN what each incarnation counted in the window adds up', async () => {
    const clock = { now: T0 };
    const peer = new FakePeer('follower', clock);
    const leader = leaderWith([peer]);
    await leader.fleet.poll();
    peer.totals.add(HOST, 'v2', canaryFlush(60, 0), undefined);
    leader.clock.now = T0 + 3000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    peer.restart();
    peer.totals.add(HOST, 'v2', canaryFlush(40, 0), undefined);
    leader.clock.now = T0 + 6000;
    await leader.fleet.poll();
    leader.clock.now = T0 + 10_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(verdictOf(leader.store)).toBe('passed: success rate 100.0 % ≥ 99 % over 100 requests at step 1 of 4, weight 10 %');
  });

  test('GIVEN a peer that restarts between two judgements WHEN judged again THEN the new incarnation counts from 0 on top of what the former one counted', async () => {
    const clock = { now: T0 };
    const peer = new FakePeer('follower', clock);
    const leader = leaderWith([peer]);
    peer.totals.add(HOST, 'v2', canaryFlush(60, 0), undefined);
    leader.clock.now = T0 + 10_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(messageOf(leader.store)).toBe('waiting for traffic: 60 of 100 requests at step 1 of 4, weight 10 %');
    // Fewer requests after the restart than before: a plain difference would go negative.
    peer.restart();
    peer.totals.add(HOST, 'v2', canaryFlush(30, 0), undefined);
    leader.clock.now = T0 + 11_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(messageOf(leader.store)).toBe('waiting for traffic: 90 of 100 requests at step 1 of 4, weight 10 %');
    peer.totals.add(HOST, 'v2', canaryFlush(15, 0), undefined);
    leader.clock.now = T0 + 12_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(verdictOf(leader.store)).toBe('passed: success rate 100.0 % ≥ 99 % over 105 requests at step 1 of 4, weight 10 %');
  });

  test('GIVEN a peer that cannot be read WHEN the pause ends THEN the rollout waits, saying which replica, and judges once it answers', async () => {
    const clock = { now: T0 };
    const peer = new FakePeer('follower', clock);
    const leader = leaderWith([peer]);
    leader.local.add(HOST, 'v2', canaryFlush(150, 0), undefined);
    peer.totals.add(HOST, 'v2', canaryFlush(50, 50), undefined);
    peer.reachable = false;
    leader.clock.now = T0 + 10_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(leader.store.saved[0]).toMatchObject({ phase: 'Progressing', step: 0, waitingSince: T0 + 10_000 });
    expect(messageOf(leader.store)).toBe('waiting for traffic: incomplete telemetry: replica follower could not be read (connect ECONNREFUSED) at step 1 of 4, weight 10 %');
    expect(leader.controller.view()).toMatchObject({ rollouts: [{ telemetryByReplica: { requests: { leader: 150 }, unreachable: ['follower'] } }] });
    // Judged on the leader's 150 alone it would pass; with the peer's failures it must not.
    peer.reachable = true;
    leader.clock.now = T0 + 11_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(leader.store.saved[0]).toMatchObject({ phase: 'Failed' });
    expect(verdictOf(leader.store)).toBe('failed: success rate 80.0 % < 99 % over 250 requests at step 1 of 4, weight 10 %');
  });

  test('GIVEN a peer that stops answering WHEN its last answer is older than three polls THEN it counts as unreachable, not as zero', async () => {
    const clock = { now: T0 };
    const peer = new FakePeer('follower', clock);
    const leader = leaderWith([peer]);
    await leader.fleet.poll();
    leader.clock.now = T0 + 2000;
    expect(leader.fleet.read(`${HOST}|v2`)!.unreachable.size).toBe(0);
    leader.clock.now = T0 + 4000;
    expect([...leader.fleet.read(`${HOST}|v2`)!.unreachable]).toEqual([['follower', 'no answer for 4 s']]);
  });

  test('GIVEN a peer that leaves the directory WHEN judged THEN what it counted until its last reading stays, and the rollout does not wait for it', async () => {
    const clock = { now: T0 };
    const gone = new FakePeer('gone', clock);
    const leader = leaderWith([gone]);
    gone.totals.add(HOST, 'v2', canaryFlush(0, 90), undefined);
    leader.clock.now = T0 + 5000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    leader.listed.delete('gone');
    leader.local.add(HOST, 'v2', canaryFlush(130, 0), undefined);
    leader.clock.now = T0 + 10_000;
    await leader.fleet.poll();
    await leader.controller.evaluate();
    expect(verdictOf(leader.store)).toBe('failed: success rate 59.0 % < 99 % over 220 requests at step 1 of 4, weight 10 %');
  });
});
