/**
 * What changed between two records of one rollout, as an operator reads it in `kubectl describe`:
 * a reason (the Event's `reason`), Normal or Warning, and the record's own one-line message. Pure.
 */
import type { OperatorAction } from './rollout-machine';
import type { RolloutRecord } from './rollout-record';

export type RolloutTransitionReason =
  | 'RolloutStarted' | 'RolloutStepAdvanced' | 'RolloutWaitingForTraffic' | 'RolloutRolledBack' | 'RolloutPromoted'
  | 'RolloutPaused' | 'RolloutResumed' | 'RolloutAborted';

export interface RolloutTransition {
  readonly reason: RolloutTransitionReason;
  readonly type: 'Normal' | 'Warning';
  readonly message: string;
  /** The record after the transition. */
  readonly record: RolloutRecord;
}

const OPERATOR_REASONS: Record<OperatorAction, RolloutTransitionReason> = {
  pause: 'RolloutPaused', resume: 'RolloutResumed', abort: 'RolloutAborted', promote: 'RolloutPromoted',
};

/** The transition from `before` to `after` (an operator's `action`, if it was one); undefined when nothing an operator cares about changed. */
export function rolloutTransition(before: RolloutRecord | undefined, after: RolloutRecord, action?: OperatorAction): RolloutTransition | undefined {
  const of = (reason: RolloutTransitionReason, type: 'Normal' | 'Warning' = 'Normal') => ({ reason, type, message: after.message, record: after });
  if (!before || before.planDigest !== after.planDigest) return of('RolloutStarted');
  if (action) return of(OPERATOR_REASONS[action], action === 'abort' ? 'Warning' : 'Normal');
  if (after.phase === 'Failed' && before.phase !== 'Failed') return of('RolloutRolledBack', 'Warning');
  if (after.phase === 'Promoted' && before.phase !== 'Promoted') return of('RolloutPromoted');
  if (after.step > before.step) return of('RolloutStepAdvanced');
  if (after.waitingSince !== undefined && before.waitingSince === undefined) return of('RolloutWaitingForTraffic');
  return undefined;
}
