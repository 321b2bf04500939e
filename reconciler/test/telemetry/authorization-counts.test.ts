import { AuthorizationCounts } from '../../src/telemetry/authorization-counts';
import type { AuthorizationStat } from '../../src/telemetry/stat-names';

const ORDERS = { namespace: 'shop', workload: 'orders-v1' };
const PAYMENTS = { namespace: 'shop', workload: 'payments-v1' };
const T0 = 1_700_000_000_000;

function rule(action: AuthorizationStat['action'], name: string, index: number, outcome: AuthorizationStat['outcome'], count: number) {
  return { stat: { kind: 'authorization' as const, action, rule: `ns[shop]-policy[${name}]-rule[${index}]`, outcome }, count };
}
function filterTotal(action: AuthorizationStat['action'], outcome: AuthorizationStat['outcome'], count: number) {
  return { stat: { kind: 'authorization' as const, action, outcome }, count };
}

describe('AuthorizationCounts', () => {
  test('GIVEN flushes of two pods of a workload WHEN the decisions are read THEN each policy sums its rules and pods, and unmatched ALLOW denials stand alone', () => {
    const counts = new AuthorizationCounts();
    counts.record(ORDERS, [rule('ALLOW', 'get-only', 0, 'allowed', 7), rule('ALLOW', 'get-only', 1, 'allowed', 2), filterTotal('ALLOW', 'denied', 3),
      filterTotal('ALLOW', 'allowed', 9), rule('DENY', 'block-admin', 0, 'denied', 4), filterTotal('DENY', 'allowed', 12), filterTotal('DENY', 'denied', 4)], T0 - 5000, T0);
    counts.record(ORDERS, [rule('ALLOW', 'get-only', 0, 'allowed', 1), rule('DENY', 'block-admin', 0, 'denied', 1)], T0, T0 + 5000);
    counts.record(PAYMENTS, [rule('DENY', 'block-admin', 0, 'denied', 50)], T0, T0 + 5000);

    expect(counts.decisions([ORDERS], 60_000, T0 + 5000)).toEqual([
      { action: 'DENY', policy: 'shop/block-admin', allowed: 0, denied: 5 },
      { action: 'ALLOW', policy: 'shop/get-only', allowed: 10, denied: 0 },
      { action: 'ALLOW', policy: undefined, allowed: 0, denied: 3 },
    ]);
    expect(counts.decisions([ORDERS, PAYMENTS], 60_000, T0 + 5000)[0]).toEqual({ action: 'DENY', policy: 'shop/block-admin', allowed: 0, denied: 55 });
  });

  test('GIVEN counts older than the window WHEN the decisions are read THEN only the window\'s are summed, and a swept store forgets them', () => {
    const counts = new AuthorizationCounts();
    counts.record(ORDERS, [rule('DENY', 'block-admin', 0, 'denied', 4)], T0 - 5000, T0);
    counts.record(ORDERS, [rule('DENY', 'block-admin', 0, 'denied', 6)], T0 + 115_000, T0 + 120_000);

    expect(counts.decisions([ORDERS], 60_000, T0 + 120_000)).toEqual([{ action: 'DENY', policy: 'shop/block-admin', allowed: 0, denied: 6 }]);
    expect(counts.decisions([ORDERS], 300_000, T0 + 120_000)).toEqual([{ action: 'DENY', policy: 'shop/block-admin', allowed: 0, denied: 10 }]);
    counts.sweep(T0 + 120_000 + 16 * 60_000);
    expect(counts.size).toBe(0);
    expect(counts.decisions([ORDERS], 300_000, T0 + 120_000 + 16 * 60_000)).toEqual([]);
  });

  test('GIVEN a rule name this mesh did not make WHEN recorded THEN it is not counted under any policy', () => {
    const counts = new AuthorizationCounts();
    counts.record(ORDERS, [{ stat: { kind: 'authorization', action: 'DENY', rule: 'hand-written', outcome: 'denied' }, count: 3 }], T0 - 5000, T0);
    expect(counts.decisions([ORDERS], 60_000, T0)).toEqual([]);
  });
});
