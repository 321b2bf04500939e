import { declared, HEALTHY_PLAN } from './rollout-fixtures';
import { advance, nextDue, operate, PROMOTED_MESSAGE, resumeAfterRestart, rolloutFor, TRAFFIC_RECHECK_MS } from '../../src/rollout/rollout-machine';
import type { CanaryWindowTraffic } from '../../src/rollout/canary-verdict';
import type { RolloutRecord } from '../../src/rollout/rollout-record';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const PAUSE = 10_000;
const healthy: CanaryWindowTraffic = { requests: 400, failures: 0, p99Ms: 12 };
const rollout = declared();
const spec = rollout.spec;

/** Judges at the end of the step's pause, as the controller's timer does. */
function judgeAtPauseEnd(record: RolloutRecord, traffic = healthy): RolloutRecord {
  return advance(record, spec, record.stepStartedAt + PAUSE, traffic);
}

describe('rollout state machine', () => {
  test('GIVEN a new plan WHEN it starts THEN step 1 serves the first weight and is due after its pause', () => {
    const record = rolloutFor(undefined, rollout, T0);
    expect(record).toMatchObject({ key: 'default/reviews/reviews-canary', phase: 'Progressing', step: 0, weight: 10, stepStartedAt: T0 });
    expect(record.message).toBe('rollout of v2 started: at step 1 of 4, weight 10 %');
    expect(nextDue(record, spec, T0)).toBe(T0 + PAUSE);
  });

  test('GIVEN a healthy canary WHEN every pause ends THEN it walks 10 → 25 → 50 → 100 and ends Promoted keeping 100', () => {
    let record = rolloutFor(undefined, rollout, T0);
    const weights = [record.weight];
    for (let step = 0; step < 4; step += 1) {
      record = judgeAtPauseEnd(record);
      weights.push(record.weight);
    }
    expect(weights).toEqual([10, 25, 50, 100, 100]);
    expect(record.phase).toBe('Promoted');
    expect(record.message).toBe(PROMOTED_MESSAGE);
    expect(record.lastVerdict).toBe('passed: success rate 100.0 % ≥ 99 % over 400 requests at step 4 of 4, weight 100 %');
    expect(record.history.map((event) => `${event.phase} ${event.step} ${event.weight}`)).toEqual([
      'Progressing 1 10', 'Progressing 2 25', 'Progressing 3 50', 'Progressing 4 100', 'Promoted 4 100',
    ]);
    expect(nextDue(record, spec, T0 + 60_000)).toBeUndefined();
  });

  test('GIVEN a pause not yet over WHEN judged THEN nothing changes, even with bad traffic', () => {
    const record = rolloutFor(undefined, rollout, T0);
    expect(advance(record, spec, T0 + PAUSE - 1, { requests: 400, failures: 400 })).toBe(record);
  });

  test('GIVEN 8.8 % failures at step 2 WHEN judged THEN it rolls back to weight 0, Failed, with the reason', () => {
    const step2 = judgeAtPauseEnd(rolloutFor(undefined, rollout, T0));
    const failed = judgeAtPauseEnd(step2, { requests: 412, failures: 36, p99Ms: 12 });
    expect(failed).toMatchObject({ phase: 'Failed', weight: 0, step: 1 });
    expect(failed.message).toBe('rolled back: success rate 91.2 % < 99 % over 412 requests at step 2 of 4, weight 25 %');
    expect(failed.lastVerdict).toBe('failed: success rate 91.2 % < 99 % over 412 requests at step 2 of 4, weight 25 %');
    expect(advance(failed, spec, T0 + 10 * PAUSE, healthy)).toBe(failed);
    expect(nextDue(failed, spec, T0)).toBeUndefined();
  });

  test('GIVEN a p99 of 310 ms against 100 ms WHEN step 2 is judged THEN it rolls back naming the latency', () => {
    const step2 = judgeAtPauseEnd(rolloutFor(undefined, rollout, T0));
    const failed = judgeAtPauseEnd(step2, { requests: 400, failures: 0, p99Ms: 310 });
    expect(failed.message).toBe('rolled back: p99 latency 310 ms > 100 ms over 400 requests at step 2 of 4, weight 25 %');
  });

  test('GIVEN a latency threshold and no latency samples WHEN judged THEN that is a breach, not a pass', () => {
    const step2 = judgeAtPauseEnd(rolloutFor(undefined, rollout, T0));
    expect(judgeAtPauseEnd(step2, { requests: 400, failures: 0 }).message).toContain('no latency samples to check p99 ≤ 100 ms');
  });

  test('GIVEN an error rate just above the limit WHEN judged THEN the shown rate does not round down onto the limit', () => {
    let record = rolloutFor(undefined, rollout, T0);
    record = judgeAtPauseEnd(judgeAtPauseEnd(record));
    const failed = judgeAtPauseEnd(record, { requests: 1000, failures: 11, p99Ms: 5 });
    expect(failed.message).toBe('rolled back: error rate 1.1 % > 1 % over 1000 requests at step 3 of 4, weight 50 %');
  });

  test('GIVEN fewer than the minimum requests WHEN the pause ends THEN it waits for traffic, rechecks, and then judges', () => {
    const record = rolloutFor(undefined, rollout, T0);
    const waiting = judgeAtPauseEnd(record, { requests: 99, failures: 99 });
    expect(waiting).toMatchObject({ phase: 'Progressing', step: 0, weight: 10, waitingSince: T0 + PAUSE });
    expect(waiting.message).toBe('waiting for traffic: 99 of 100 requests at step 1 of 4, weight 10 %');
    expect(nextDue(waiting, spec, T0 + PAUSE + 5)).toBe(T0 + PAUSE + 5 + TRAFFIC_RECHECK_MS);
    const judged = advance(waiting, spec, T0 + PAUSE + 3000, { requests: 100, failures: 0, p99Ms: 3 });
    expect(judged).toMatchObject({ step: 1, weight: 25, waitingSince: undefined });
  });

  test('GIVEN no telemetry at all WHEN the pause ends THEN it waits, and fails once the traffic wait limit has passed', () => {
    const record = rolloutFor(undefined, rollout, T0);
    const waiting = advance(record, spec, T0 + PAUSE, undefined);
    expect(waiting.message).toBe('waiting for traffic: no telemetry of the canary yet at step 1 of 4, weight 10 %');
    expect(advance(waiting, spec, T0 + PAUSE + 59_999, undefined).phase).toBe('Progressing');
    const failed = advance(waiting, spec, T0 + PAUSE + 60_000, undefined);
    expect(failed).toMatchObject({ phase: 'Failed', weight: 0 });
    expect(failed.message).toBe('rolled back: no verdict: no telemetry of the canary yet after waiting 60 s for traffic at step 1 of 4, weight 10 %');
  });

  test('GIVEN a running rollout WHEN the same plan is declared again (a restart) THEN the same record continues', () => {
    const step2 = judgeAtPauseEnd(rolloutFor(undefined, rollout, T0));
    expect(rolloutFor(step2, declared(), T0 + 15_000)).toBe(step2);
  });

  test('GIVEN a plan edited mid-rollout WHEN declared THEN a new rollout starts at step 1 of the new plan', () => {
    const step3 = judgeAtPauseEnd(judgeAtPauseEnd(rolloutFor(undefined, rollout, T0)));
    const edited = declared({ ...HEALTHY_PLAN, steps: [{ weight: 5, pause: '30s' }, { weight: 100, pause: '30s' }] });
    const restarted = rolloutFor(step3, edited, T0 + 25_000);
    expect(restarted).toMatchObject({ phase: 'Progressing', step: 0, weight: 5, stepStartedAt: T0 + 25_000, history: [expect.anything()] });
    expect(restarted.message).toBe('plan changed (canary v2); rollout restarted: at step 1 of 2, weight 5 %');
  });

  test('GIVEN a new canary version WHEN declared THEN the failed rollout of the old one is replaced by a new one', () => {
    const failed = judgeAtPauseEnd(rolloutFor(undefined, rollout, T0), { requests: 400, failures: 400, p99Ms: 1 });
    const next = rolloutFor(failed, declared({ ...HEALTHY_PLAN, canary: 'v3' }), T0 + 20_000);
    expect(next).toMatchObject({ phase: 'Progressing', step: 0, weight: 10 });
  });

  test('GIVEN a restart after the pause ended WHEN resumed THEN step and weight stay and the traffic wait starts afresh', () => {
    const step2 = judgeAtPauseEnd(rolloutFor(undefined, rollout, T0));
    const later = T0 + 10 * 60_000;
    const resumed = resumeAfterRestart(step2, spec, later);
    expect(resumed).toMatchObject({ step: 1, weight: 25, waitingSince: later });
    expect(advance(resumed, spec, later + 1000, { requests: 3, failures: 0 }).phase).toBe('Progressing');
    expect(resumeAfterRestart(step2, spec, step2.stepStartedAt + 1)).toBe(step2);
  });

  test('GIVEN an operator WHEN pausing, resuming, aborting and promoting THEN each applies to the phases it names', () => {
    const running = rolloutFor(undefined, rollout, T0);
    const paused = operate(running, spec, 'pause', T0 + 1000);
    expect(paused.ok && paused.record).toMatchObject({ phase: 'Paused', weight: 10, message: 'paused by an operator at step 1 of 4, weight 10 %' });
    if (!paused.ok) throw new Error('pause refused');
    expect(advance(paused.record, spec, T0 + 60_000, healthy)).toBe(paused.record);
    expect(nextDue(paused.record, spec, T0)).toBeUndefined();

    const resumed = operate(paused.record, spec, 'resume', T0 + 30_000);
    expect(resumed.ok && resumed.record).toMatchObject({ phase: 'Progressing', stepStartedAt: T0 + 30_000 });

    const aborted = operate(running, spec, 'abort', T0 + 2000);
    expect(aborted.ok && aborted.record).toMatchObject({ phase: 'Failed', weight: 0, message: 'rolled back: aborted by an operator at step 1 of 4, weight 10 %' });

    const promoted = operate(running, spec, 'promote', T0 + 2000);
    expect(promoted.ok && promoted.record).toMatchObject({ phase: 'Promoted', weight: 100, step: 3 });

    expect(operate(running, spec, 'resume', T0)).toEqual({
      ok: false, error: "rollout default/reviews/reviews-canary is Progressing; 'resume' applies to a Paused rollout (a new plan or canary version in the code starts a new one)",
    });
    if (!aborted.ok) throw new Error('abort refused');
    expect(operate(aborted.record, spec, 'promote', T0).ok).toBe(false);
    expect(operate(aborted.record, spec, 'pause', T0).ok).toBe(false);
  });
});
