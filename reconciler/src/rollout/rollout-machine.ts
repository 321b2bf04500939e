/**
 * The rollout state machine, pure: the clock and the canary's traffic are parameters. Step i
 * serves weight wᵢ; once its pause is over the canary is judged on the traffic of the step's
 * window (given at least the plan's minimum of requests, else it waits for traffic up to the
 * plan's limit); a pass moves to the next step or, after the last, to Promoted (the last weight
 * stays); a breach rolls back to weight 0 and stops, Failed.
 */
import type { RolloutSpec } from '../model';
import { CanaryWindowTraffic, judgeCanary } from './canary-verdict';
import type { DeclaredRollout } from './declared-rollout';
import { MAX_ROLLOUT_HISTORY, RolloutEvent, RolloutPhase, RolloutRecord } from './rollout-record';

export const PROMOTED_MESSAGE = 'promoted — change the code to make it permanent';

/** How often a step waiting for traffic is judged again. */
export const TRAFFIC_RECHECK_MS = 1000;

export type OperatorAction = 'pause' | 'resume' | 'abort' | 'promote';
export const OPERATOR_ACTIONS: readonly OperatorAction[] = ['pause', 'resume', 'abort', 'promote'];

/**
 * The record to run for a declared rollout: the existing one when it executes the same plan (a
 * restart resumes), else a new rollout at step 1 (a new plan or canary version starts over).
 */
export function rolloutFor(existing: RolloutRecord | undefined, declared: DeclaredRollout, now: number): RolloutRecord {
  // A step beyond the plan can only come from an edited state file: start over rather than guess.
  if (existing && existing.planDigest === declared.planDigest && existing.step < declared.spec.steps.length) return existing;
  const spec = declared.spec;
  const first = spec.steps[0];
  const started = existing ? `plan changed (canary ${spec.canary}); rollout restarted` : `rollout of ${spec.canary} started`;
  const record: RolloutRecord = {
    key: declared.key, planDigest: declared.planDigest, phase: 'Progressing', step: 0, weight: first.weight,
    stepStartedAt: now, message: `${started}: ${where(spec, 0, first.weight)}`, history: [],
  };
  return withEvent(record, now);
}

/**
 * A record read back after a restart. The telemetry of the step's window before the restart is
 * gone, so a step whose pause is over waits for traffic afresh (its limit counting from now)
 * instead of failing for the time the reconciler was down; step and weight stay as they were.
 */
export function resumeAfterRestart(record: RolloutRecord, spec: RolloutSpec, now: number): RolloutRecord {
  if (record.phase !== 'Progressing' || now < record.stepStartedAt + spec.steps[record.step].pauseMs) return record;
  return { ...record, waitingSince: now, message: `resumed after a restart; judging the traffic from now on ${where(spec, record.step, record.weight)}` };
}

/** When `record` next needs a judgement (epoch ms); undefined when it waits for nothing. */
export function nextDue(record: RolloutRecord, spec: RolloutSpec, now: number): number | undefined {
  if (record.phase !== 'Progressing') return undefined;
  if (record.waitingSince !== undefined) return now + TRAFFIC_RECHECK_MS;
  return record.stepStartedAt + spec.steps[record.step].pauseMs;
}

/**
 * Judges a Progressing rollout whose pause is over on `traffic` (undefined: no proxy reported
 * any traffic of the canary in the window; incomplete: a replica's share is unknown, so it waits
 * as for traffic); anything else comes back unchanged.
 */
export function advance(record: RolloutRecord, spec: RolloutSpec, now: number, traffic: CanaryWindowTraffic | undefined): RolloutRecord {
  if (record.phase !== 'Progressing') return record;
  const step = spec.steps[record.step];
  const pauseEnd = record.stepStartedAt + step.pauseMs;
  if (now < pauseEnd) return record;
  const at = where(spec, record.step, record.weight);
  const requests = traffic?.requests ?? 0;
  if (requests < spec.minRequests || traffic?.incomplete !== undefined) {
    const seen = traffic === undefined ? 'no telemetry of the canary yet'
      : traffic.incomplete !== undefined ? `incomplete telemetry: ${traffic.incomplete}` : `${requests} of ${spec.minRequests} requests`;
    const waitingSince = record.waitingSince ?? pauseEnd;
    if (now - waitingSince >= spec.trafficWaitLimitMs) {
      return fail(record, now, `no verdict: ${seen} after waiting ${Math.round((now - waitingSince) / 1000)} s for traffic ${at}`);
    }
    const message = `waiting for traffic: ${seen} ${at}`;
    return record.waitingSince === waitingSince && record.message === message ? record : { ...record, waitingSince, message };
  }
  const verdict = judgeCanary(traffic!, step, at);
  if (!verdict.passed) return fail({ ...record, lastVerdict: `failed: ${verdict.summary}` }, now, verdict.summary);
  const lastVerdict = `passed: ${verdict.summary}`;
  if (record.step === spec.steps.length - 1) {
    return withEvent({ ...record, phase: 'Promoted', waitingSince: undefined, lastVerdict, message: PROMOTED_MESSAGE }, now);
  }
  const next = record.step + 1;
  const weight = spec.steps[next].weight;
  return withEvent({
    ...record, step: next, weight, stepStartedAt: now, waitingSince: undefined, lastVerdict, message: `progressing: ${where(spec, next, weight)}`,
  }, now);
}

export type OperatorOutcome = { readonly ok: true; readonly record: RolloutRecord } | { readonly ok: false; readonly error: string };

/** Pause, resume, abort (roll back) or promote, as an operator asks. */
export function operate(record: RolloutRecord, spec: RolloutSpec, action: OperatorAction, now: number): OperatorOutcome {
  const refuse = (allowed: RolloutPhase[]) => ({
    ok: false as const,
    error: `rollout ${record.key} is ${record.phase}; '${action}' applies to a ${allowed.join(' or ')} rollout (a new plan or canary version in the code starts a new one)`,
  });
  const at = where(spec, record.step, record.weight);
  switch (action) {
    case 'pause':
      if (record.phase !== 'Progressing') return refuse(['Progressing']);
      return { ok: true, record: withEvent({ ...record, phase: 'Paused', waitingSince: undefined, message: `paused by an operator ${at}` }, now) };
    case 'resume':
      // The step's window starts again: what the canary did while paused is not judged.
      if (record.phase !== 'Paused') return refuse(['Paused']);
      return { ok: true, record: withEvent({ ...record, phase: 'Progressing', stepStartedAt: now, message: `resumed by an operator: ${at}` }, now) };
    case 'abort':
      if (record.phase !== 'Progressing' && record.phase !== 'Paused') return refuse(['Progressing', 'Paused']);
      return { ok: true, record: fail(record, now, `aborted by an operator ${at}`) };
    case 'promote':
      if (record.phase !== 'Progressing' && record.phase !== 'Paused') return refuse(['Progressing', 'Paused']);
      return {
        ok: true,
        record: withEvent({
          ...record, phase: 'Promoted', step: spec.steps.length - 1, weight: spec.steps[spec.steps.length - 1].weight,
          waitingSince: undefined, message: `${PROMOTED_MESSAGE} (promoted by an operator ${at})`,
        }, now),
      };
  }
}

/** "at step 2 of 4, weight 25 %" */
export function where(spec: RolloutSpec, step: number, weight: number): string {
  return `at step ${step + 1} of ${spec.steps.length}, weight ${weight} %`;
}

function fail(record: RolloutRecord, now: number, reason: string): RolloutRecord {
  return withEvent({ ...record, phase: 'Failed', weight: 0, waitingSince: undefined, message: `rolled back: ${reason}` }, now);
}

function withEvent(record: RolloutRecord, now: number): RolloutRecord {
  const event: RolloutEvent = { at: now, phase: record.phase, step: record.step + 1, weight: record.weight, message: record.message };
  return { ...record, history: [...record.history, event].slice(-MAX_ROLLOUT_HISTORY) };
}
