/**
 * What the reconciler remembers of one rollout: its phase, step and served weight, when the step
 * began, the last verdict and a short history. Plain data, so a state store can save it as JSON
 * and a restarted reconciler resumes exactly where it stopped.
 */

/** Progressing → (next step …) → Promoted, or → Failed (rolled back); Paused by an operator. */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Promoted' | 'Failed';

export const ROLLOUT_PHASES: readonly RolloutPhase[] = ['Progressing', 'Paused', 'Promoted', 'Failed'];

export interface RolloutEvent {
  /** Epoch ms. */
  readonly at: number;
  readonly phase: RolloutPhase;
  /** 1-based step, as shown to operators. */
  readonly step: number;
  readonly weight: number;
  readonly message: string;
}

export interface RolloutRecord {
  /** `namespace/virtualservice/route`. */
  readonly key: string;
  /** The plan this record executes; another digest means another rollout. */
  readonly planDigest: string;
  readonly phase: RolloutPhase;
  /** 0-based index of the current step. */
  readonly step: number;
  /** Canary weight served now (0 after a rollback). */
  readonly weight: number;
  /** Epoch ms at which the current step's weight began (or resumed) being served. */
  readonly stepStartedAt: number;
  /** Epoch ms of the first judgement that found too few requests, while waiting for traffic. */
  readonly waitingSince?: number;
  /** The last judgement of the canary, passed or not. */
  readonly lastVerdict?: string;
  /** Why the rollout is where it is: one line for `/debug/rollouts`. */
  readonly message: string;
  readonly history: readonly RolloutEvent[];
}

/** History entries kept per rollout: enough for every step of a long plan and a few operator actions. */
export const MAX_ROLLOUT_HISTORY = 50;
