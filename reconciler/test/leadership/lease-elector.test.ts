import { FakeLeaseServer } from './fake-lease-api';
import { checkLeaseTiming, LeaseElector, LeaseTiming } from '../../src/leadership/lease-elector';

/** client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry. */
const TIMING: LeaseTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface Replica {
  readonly elector: LeaseElector;
  readonly client: ReturnType<FakeLeaseServer['client']>;
  /** Epoch ms of each change of leadership: [at, leading]. */
  readonly changes: [number, boolean][];
  readonly errors: string[];
}

const electors: LeaseElector[] = [];

function replica(server: FakeLeaseServer, name: string): Replica {
  const client = server.client(name);
  const changes: [number, boolean][] = [];
  const errors: string[] = [];
  const elector = new LeaseElector(client, { identity: name, description: 'Lease mesh-system/mesh-rollout-leader', timing: TIMING, onError: (message) => errors.push(message) });
  elector.onChange((leading) => changes.push([Date.now(), leading]));
  electors.push(elector);
  return { elector, client, changes, errors };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');

beforeEach(() => {
  jest.useFakeTimers({ now: T0 });
});

afterEach(async () => {
  for (const elector of electors.splice(0)) {
    const stopping = elector.stop();
    // A try in flight (a hung one included) ends within the renew deadline.
    await jest.advanceTimersByTimeAsync(TIMING.renewDeadlineMs);
    await stopping;
  }
  jest.useRealTimers();
});

describe('Lease elector', () => {
  test('GIVEN two replicas starting together WHEN they run for a minute THEN exactly one leads, all along, and renews every retry period', async () => {
    const server = new FakeLeaseServer();
    const a = replica(server, 'reconciler-a');
    const b = replica(server, 'reconciler-b');
    a.elector.start();
    b.elector.start();
    for (let second = 0; second < 60; second += 1) {
      await jest.advanceTimersByTimeAsync(1000);
      expect([a.elector.isLeader, b.elector.isLeader].filter(Boolean)).toHaveLength(1);
    }
    const leader = a.elector.isLeader ? a : b;
    const follower = leader === a ? b : a;
    expect(leader.changes).toEqual([[T0, true]]);
    expect(follower.changes).toEqual([]);
    expect(follower.elector.holder).toBe(leader === a ? 'reconciler-a' : 'reconciler-b');
    const renewals = server.writes.filter((write) => write.holder === (leader === a ? 'reconciler-a' : 'reconciler-b'));
    // One write per 2 s retry period over 60 s, give or take the first and the last.
    expect(renewals.length).toBeGreaterThanOrEqual(29);
    expect(renewals.length).toBeLessThanOrEqual(31);
    expect(server.lease!.record).toMatchObject({ leaseDurationSeconds: 15, leaseTransitions: 0 });
  });

  test('GIVEN a leader WHEN it renews THEN each renewal is one replace of the Lease it last wrote, without reading it first', async () => {
    const server = new FakeLeaseServer();
    const a = replica(server, 'reconciler-a');
    a.elector.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(a.client.calls).toEqual({ read: 1, create: 1, replace: 0 });
    await jest.advanceTimersByTimeAsync(10 * TIMING.retryPeriodMs);
    expect(a.client.calls).toEqual({ read: 1, create: 1, replace: 10 });
    expect(server.lease!.record).toMatchObject({ holderIdentity: 'reconciler-a', renewTime: new Date(T0 + 10 * TIMING.retryPeriodMs) });
    expect(a.errors).toEqual([]);
  });

  test('GIVEN a leader cut off from the API server WHEN it cannot renew THEN it stops leading at the renew deadline, before the other replica may take the Lease', async () => {
    const server = new FakeLeaseServer();
    const a = replica(server, 'reconciler-a');
    a.elector.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(a.elector.isLeader).toBe(true);
    const b = replica(server, 'reconciler-b');
    b.elector.start();
    await jest.advanceTimersByTimeAsync(4000);
    const lastRenewal = server.lease!.record.renewTime!.getTime();

    a.client.cut = 'fail';
    await jest.advanceTimersByTimeAsync(30_000);

    const [[lostAt, lost]] = a.changes.slice(1);
    const [[wonAt, won]] = b.changes;
    expect([lost, won]).toEqual([false, true]);
    expect(lostAt).toBeLessThanOrEqual(lastRenewal + TIMING.renewDeadlineMs);
    expect(wonAt).toBeGreaterThanOrEqual(lastRenewal + TIMING.leaseDurationMs);
    expect(lostAt).toBeLessThan(wonAt);
    expect(server.lease!.record).toMatchObject({ holderIdentity: 'reconciler-b', leaseTransitions: 1 });
    expect(a.errors).toContain('stopped leading: Lease mesh-system/mesh-rollout-leader not renewed within 10000 ms');
    expect(a.errors.some((message) => message.startsWith('renewing Lease mesh-system/mesh-rollout-leader failed: connect ECONNREFUSED'))).toBe(true);
  });

  test('GIVEN a leader whose renewal hangs WHEN the renew deadline passes THEN it stops leading then, without waiting for an answer', async () => {
    const server = new FakeLeaseServer();
    const a = replica(server, 'reconciler-a');
    a.elector.start();
    await jest.advanceTimersByTimeAsync(0);
    const lastRenewal = server.lease!.record.renewTime!.getTime();
    a.client.cut = 'hang';
    await jest.advanceTimersByTimeAsync(TIMING.renewDeadlineMs - 1);
    expect(a.elector.isLeader).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(a.changes).toEqual([[T0, true], [lastRenewal + TIMING.renewDeadlineMs, false]]);
    // The hung try gives up too, so the next tries run (and, cut off, fail).
    await jest.advanceTimersByTimeAsync(TIMING.renewDeadlineMs + 3 * TIMING.retryPeriodMs);
    expect(a.errors.filter((message) => message === 'acquiring Lease mesh-system/mesh-rollout-leader failed: no answer from the API server within 10000 ms').length).toBeGreaterThanOrEqual(1);
  });

  test('GIVEN a leader WHEN something else writes another holder into the Lease THEN the leader stops at its next renewal, not at the deadline', async () => {
    const server = new FakeLeaseServer();
    const a = replica(server, 'reconciler-a');
    a.elector.start();
    await jest.advanceTimersByTimeAsync(0);
    server.forceHolder('intruder');
    const forcedAt = Date.now();
    await jest.advanceTimersByTimeAsync(TIMING.retryPeriodMs);
    expect(a.changes).toEqual([[T0, true], [forcedAt + TIMING.retryPeriodMs, false]]);
    expect(a.errors).toEqual(['stopped leading: Lease mesh-system/mesh-rollout-leader is held by intruder now']);
    // The renewal's replace met a newer Lease (409), so the leader read it to learn who holds it.
    expect(a.client.calls.read).toBe(2);
    // As a candidate it waits out a whole lease duration from its first sight of the intruder (its last read)…
    await jest.advanceTimersByTimeAsync(TIMING.leaseDurationMs - 1000);
    expect(a.elector.isLeader).toBe(false);
    // …then takes the unrenewed Lease within two of its (jittered) retries.
    await jest.advanceTimersByTimeAsync(2 * TIMING.retryPeriodMs * 1.2);
    expect(a.elector.isLeader).toBe(true);
    expect(server.lease!.record).toMatchObject({ holderIdentity: 'reconciler-a', leaseTransitions: 1 });
  });

  test('GIVEN two candidates that read the same expired Lease WHEN both replace it THEN the API server takes one write and the other candidate does not lead', async () => {
    const server = new FakeLeaseServer();
    server.write('old', { holderIdentity: 'gone', leaseDurationSeconds: 15, renewTime: new Date(T0 - 60_000) });
    const a = replica(server, 'reconciler-a');
    const b = replica(server, 'reconciler-b');
    a.elector.start();
    b.elector.start();
    await jest.advanceTimersByTimeAsync(TIMING.leaseDurationMs + 5 * TIMING.retryPeriodMs);

    expect([a.elector.isLeader, b.elector.isLeader].filter(Boolean)).toHaveLength(1);
    // Both waited a lease duration from first sight (clocks are never compared) before either wrote.
    expect(server.writes.filter((write) => write.by !== 'old')).not.toHaveLength(0);
    const takeover = [...a.changes, ...b.changes].filter(([, leading]) => leading);
    expect(takeover).toHaveLength(1);
    expect(takeover[0][0]).toBeGreaterThanOrEqual(T0 + TIMING.leaseDurationMs);
  });

  test('GIVEN a leader WHEN it stops (SIGTERM) THEN it releases the Lease and the other replica leads at its next retry, not a lease duration later', async () => {
    const server = new FakeLeaseServer();
    const a = replica(server, 'reconciler-a');
    a.elector.start();
    await jest.advanceTimersByTimeAsync(0);
    const b = replica(server, 'reconciler-b');
    b.elector.start();
    await jest.advanceTimersByTimeAsync(5000);
    const stopping = a.elector.stop();
    await jest.advanceTimersByTimeAsync(0);
    await stopping;
    const releasedAt = Date.now();
    expect(server.lease!.record.holderIdentity).toBe('');
    expect(a.changes.at(-1)).toEqual([releasedAt, false]);

    await jest.advanceTimersByTimeAsync(TIMING.retryPeriodMs * 1.2);
    expect(b.changes).toHaveLength(1);
    expect(b.changes[0][0] - releasedAt).toBeLessThanOrEqual(TIMING.retryPeriodMs * 1.2);
  });

  test.each([
    [{ leaseDurationMs: 500, renewDeadlineMs: 300, retryPeriodMs: 100 }, '--leader-elect-lease-duration is 500 ms; it must be at least 1s (a Lease counts whole seconds)'],
    [{ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, '--leader-elect-lease-duration (10000 ms) must be longer than --leader-elect-renew-deadline (10000 ms), e.g. 15s and 10s'],
    [{ leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }, '--leader-elect-renew-deadline (2000 ms) must be longer than 1.2 × --leader-elect-retry-period (2000 ms), e.g. 10s and 2s'],
  ])('GIVEN timing %j WHEN checked THEN it is refused naming the flags', (timing, message) => {
    expect(() => checkLeaseTiming(timing)).toThrow(message);
  });
});
