/**
 * Executes the declared rollouts: keeps one record per rollout (restored from the state store on
 * start), judges each step when its pause ends from the canary subset's traffic over the step's
 * window, saves every transition before serving it, and asks for a push whenever a served weight
 * changes. Nothing it does writes a config object: the weights reach Envoy through RDS only.
 */
import type { Logger } from '../log';
import type { RolloutStatus } from '../observatory/observatory-inputs';
import { Gauge, renderMetrics } from '../ops/metrics';
import { resolveHost } from '../push/host-names';
import type { RouteWeight } from '../push/rollout-weights';
import { SubsetReading, subsetKey, SubsetWindow, subsetWindow } from '../telemetry/subset-totals';
import type { CanaryWindowTraffic } from './canary-verdict';
import type { DeclaredRollout } from './declared-rollout';
import { advance, nextDue, OperatorAction, operate, resumeAfterRestart, rolloutFor } from './rollout-machine';
import { ROLLOUT_PHASES, RolloutRecord } from './rollout-record';
import type { RolloutStateStore } from './rollout-state-store';

/** The canary traffic the controller reads: running totals per `host|subset`. */
export interface SubsetTrafficSource {
  track(keys: Iterable<string>): void;
  read(key: string): SubsetReading | undefined;
}

export interface RolloutControllerOptions {
  readonly store: RolloutStateStore;
  readonly traffic: SubsetTrafficSource;
  readonly clusterDomain: string;
  readonly log: Logger;
  /** Called after a served weight changed and was saved (typically: request a push). */
  readonly onWeightsChanged: (reason: string) => void;
  /** Epoch ms. @default Date.now */
  readonly clock?: () => number;
}

/** Node timers overflow beyond 2^31-1 ms; a farther judgement is reached in hops (the timer re-arms). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/** Timers may fire a hair before the wall clock reaches the due time. */
const TIMER_MARGIN_MS = 5;

export type RolloutActionResult = { readonly status: 200 | 404 | 409; readonly body: unknown };

/** Where a step's window begins: the reading of the canary's totals when the step began (or this process first saw it). */
interface WindowStart {
  readonly step: number;
  readonly stepStartedAt: number;
  readonly reading: SubsetReading | undefined;
}

export class RolloutController {
  private readonly records = new Map<string, RolloutRecord>();
  private declared = new Map<string, DeclaredRollout>();
  private readonly windowStarts = new Map<string, WindowStart>();
  /** The weight each rollout serves: a judged or operated change only once it is saved. */
  private readonly served = new Map<string, number>();
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: RolloutControllerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Restores the saved records; a store that cannot be read starts every rollout again (logged). */
  async load(): Promise<void> {
    try {
      const saved = await this.options.store.load();
      for (const record of saved) this.records.set(record.key, record);
      if (saved.length > 0) this.options.log.info({ store: this.options.store.description, rollouts: saved.map((record) => `${record.key} ${record.phase} step ${record.step + 1} weight ${record.weight}`) }, 'rollout state loaded');
    } catch (error) {
      this.options.log.error({ store: this.options.store.description, err: (error as Error).message }, 'rollout state could not be read; declared rollouts start again at step 1');
    }
  }

  /**
   * Takes the rollouts the served config declares: new plans start, unchanged ones continue (a
   * restart resumes), undeclared ones are forgotten. Returns the weights to serve now.
   */
  sync(declared: readonly DeclaredRollout[]): RouteWeight[] {
    const now = this.clock();
    const next = new Map(declared.map((rollout) => [rollout.key, rollout]));
    let changed = false;
    for (const rollout of next.values()) {
      const existing = this.records.get(rollout.key);
      const fresh = this.declared.get(rollout.key) === undefined && existing?.planDigest === rollout.planDigest;
      let record = rolloutFor(existing, rollout, now);
      // First sight in this process of a saved, same-plan rollout: it resumes.
      if (fresh) record = resumeAfterRestart(record, rollout.spec, now);
      const started = !existing || existing.planDigest !== record.planDigest;
      if (record !== existing) {
        this.records.set(rollout.key, record);
        changed = true;
        if (started) this.options.log.info({ rollout: rollout.key, canary: rollout.spec.canary, weight: record.weight }, record.message);
      }
      // A new rollout's first weight may be served before it is saved: a restart would start it the same way.
      if (started || !this.served.has(rollout.key)) this.served.set(rollout.key, record.weight);
    }
    for (const key of [...this.records.keys()]) {
      if (!next.has(key)) {
        this.records.delete(key);
        this.windowStarts.delete(key);
        this.served.delete(key);
        changed = true;
      }
    }
    this.declared = next;
    this.options.traffic.track([...next.values()].map((rollout) => this.canaryKey(rollout)));
    if (changed) this.save();
    this.arm();
    return this.weights();
  }

  /** Pause, resume, abort or promote one rollout; answers as the ops endpoint shows it. */
  async act(key: string, action: OperatorAction): Promise<RolloutActionResult> {
    const record = this.records.get(key);
    const rollout = this.declared.get(key);
    if (!record || !rollout) {
      return { status: 404, body: { error: `no rollout '${key}'; running rollouts: ${[...this.records.keys()].join(', ') || 'none'} (see /debug/rollouts)` } };
    }
    const outcome = operate(record, rollout.spec, action, this.clock());
    if (!outcome.ok) return { status: 409, body: { error: outcome.error } };
    this.records.set(key, outcome.record);
    this.options.log.info({ rollout: key, action, weight: outcome.record.weight }, outcome.record.message);
    await this.save();
    this.served.set(key, outcome.record.weight);
    if (outcome.record.weight !== record.weight) this.options.onWeightsChanged(`rollout:${action}`);
    this.arm();
    return { status: 200, body: this.viewOf(outcome.record) };
  }

  /** Judges every rollout whose pause is over; exported for tests, run by the timer otherwise. */
  async evaluate(): Promise<void> {
    const now = this.clock();
    const judged: RolloutRecord[] = [];
    for (const [key, record] of this.records) {
      const rollout = this.declared.get(key);
      if (!rollout || record.phase !== 'Progressing') continue;
      const next = advance(record, rollout.spec, now, this.windowTraffic(rollout, record));
      if (next === record) continue;
      this.records.set(key, next);
      judged.push(next);
      if (next.phase !== record.phase || next.step !== record.step) this.options.log.info({ rollout: key, phase: next.phase, step: next.step + 1, weight: next.weight, verdict: next.lastVerdict }, next.message);
    }
    // Saved before served: a restart then resumes at the new step, never re-judging the old one into a second advance.
    if (judged.length === 0) {
      this.arm();
      return;
    }
    await this.save();
    let weightChanged = false;
    for (const record of judged) {
      // A later change (a new plan, an operator) made while saving serves itself once saved.
      if (this.records.get(record.key) !== record) continue;
      if (this.served.get(record.key) !== record.weight) weightChanged = true;
      this.served.set(record.key, record.weight);
    }
    if (weightChanged && !this.stopped) this.options.onWeightsChanged('rollout:step');
    this.arm();
  }

  /** The weights running rollouts serve, for the push context. */
  weights(): RouteWeight[] {
    return [...this.records.values()].flatMap((record) => {
      const rollout = this.declared.get(record.key);
      return rollout ? [{
        namespace: rollout.namespace, virtualService: rollout.virtualService, route: rollout.spec.route,
        stable: rollout.spec.stable, canary: rollout.spec.canary, canaryWeight: this.served.get(record.key) ?? record.weight,
      }] : [];
    });
  }

  /** `/debug/rollouts`. */
  view(): unknown {
    return { rollouts: [...this.records.values()].sort((a, b) => a.key.localeCompare(b.key)).map((record) => this.viewOf(record)) };
  }

  /** Each rollout's phase, step and weight, with the host of its canary, for the observatory's badges. */
  statuses(): RolloutStatus[] {
    return [...this.records.values()].flatMap((record) => {
      const rollout = this.declared.get(record.key);
      if (!rollout) return [];
      const host = resolveHost(rollout.host, rollout.namespace, this.options.clusterDomain);
      return [{ key: record.key, host, phase: record.phase, step: record.step + 1, steps: rollout.spec.steps.length, weight: record.weight, lastVerdict: record.lastVerdict }];
    });
  }

  renderMetrics(): string {
    const labels = (rollout: DeclaredRollout) => ({ namespace: rollout.namespace, virtualservice: rollout.virtualService, route: rollout.spec.route });
    const step = new Gauge('mesh_rollout_step', 'Current step of each rollout, 1-based.', true);
    const weight = new Gauge('mesh_rollout_canary_weight', 'Canary weight (percent) each rollout serves now.', true);
    const state = new Gauge('mesh_rollout_state', 'Phase of each rollout: 1 for the current phase, 0 for the others.', true);
    for (const record of this.records.values()) {
      const rollout = this.declared.get(record.key);
      if (!rollout) continue;
      step.set(record.step + 1, labels(rollout));
      weight.set(record.weight, labels(rollout));
      for (const phase of ROLLOUT_PHASES) state.set(phase === record.phase ? 1 : 0, { ...labels(rollout), state: phase });
    }
    return renderMetrics([step, weight, state]);
  }

  /** Stops the timer and waits for a save in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.saving;
  }

  private retryLater(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.arm();
    }, RETRY_AFTER_FAILURE_MS);
    this.timer.unref();
  }

  private viewOf(record: RolloutRecord): unknown {
    const rollout = this.declared.get(record.key);
    const steps = rollout?.spec.steps ?? [];
    const due = rollout ? nextDue(record, rollout.spec, this.clock()) : undefined;
    return {
      rollout: record.key,
      state: record.phase,
      step: `${record.step + 1}/${steps.length}`,
      weight: record.weight,
      stable: rollout?.spec.stable,
      canary: rollout?.spec.canary,
      steps: steps.map((step) => step.weight),
      waitingForTraffic: record.waitingSince !== undefined,
      nextJudgement: due === undefined ? undefined : new Date(due).toISOString(),
      lastVerdict: record.lastVerdict,
      reason: record.message,
      history: record.history.map((event) => ({ ...event, at: new Date(event.at).toISOString() })),
    };
  }

  /** The canary's traffic since the step began (or since this process first saw it, after a restart). */
  private windowTraffic(rollout: DeclaredRollout, record: RolloutRecord): CanaryWindowTraffic | undefined {
    const key = this.canaryKey(rollout);
    const current = this.options.traffic.read(key);
    const start = this.windowStarts.get(record.key);
    if (!start || start.step !== record.step || start.stepStartedAt !== record.stepStartedAt || !start.reading) {
      this.windowStarts.set(record.key, { step: record.step, stepStartedAt: record.stepStartedAt, reading: current });
      return undefined;
    }
    if (!current) return undefined;
    return canaryTraffic(subsetWindow(start.reading, current));
  }

  private canaryKey(rollout: DeclaredRollout): string {
    return subsetKey(resolveHost(rollout.host, rollout.namespace, this.options.clusterDomain), rollout.spec.canary);
  }

  /** Queues a save of every record; a failure is logged and retried with the next change. */
  private save(): Promise<void> {
    const records = [...this.records.values()];
    this.saving = this.saving.then(() => this.options.store.save(records)).catch((error: Error) => {
      this.options.log.error({ store: this.options.store.description, err: error.message }, 'saving rollout state failed; a restart may repeat the last step');
    });
    return this.saving;
  }

  /** Arms the timer for the earliest judgement due; also (re)starts each step's window. */
  private arm(): void {
    if (this.stopped) return;
    const now = this.clock();
    let earliest: number | undefined;
    for (const [key, record] of this.records) {
      const rollout = this.declared.get(key);
      if (!rollout) continue;
      const start = this.windowStarts.get(key);
      if (!start || start.step !== record.step || start.stepStartedAt !== record.stepStartedAt) {
        this.windowStarts.set(key, { step: record.step, stepStartedAt: record.stepStartedAt, reading: this.options.traffic.read(this.canaryKey(rollout)) });
      }
      const due = nextDue(record, rollout.spec, now);
      if (due !== undefined && (earliest === undefined || due < earliest)) earliest = due;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (earliest === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Runs from a timer: an exception here would end the process.
      this.evaluate().catch((error: Error) => {
        this.options.log.error({ err: error.stack ?? error.message }, 'judging rollouts failed; the served weights stay, retried shortly');
        this.retryLater();
      });
    }, Math.min(Math.max(0, earliest - now) + TIMER_MARGIN_MS, MAX_TIMER_DELAY_MS));
    this.timer.unref();
  }
}

/** How long after a failed judgement the next one is tried. */
const RETRY_AFTER_FAILURE_MS = 5000;

/** Failures: 5xx answers, or for gRPC the calls whose status is not OK when those are more. */
function canaryTraffic(window: SubsetWindow): CanaryWindowTraffic {
  const failures = window.grpcCalls > 0 ? Math.max(window.responses5xx, window.grpcErrors) : window.responses5xx;
  return { requests: window.requests, failures, p99Ms: window.p99Ms };
}
