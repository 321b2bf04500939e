/**
 * Executes the declared rollouts: keeps one record per rollout (restored from the state store on
 * start), judges each step when its pause ends from the canary subset's traffic over the step's
 * window, saves every transition before serving it, and asks for a push whenever a served weight
 * changes. Nothing it does writes a config object: the weights reach Envoy through RDS only.
 * Under a leadership (Kubernetes mode) only the leader judges and saves; the other replicas follow
 * the saved records and serve the same weights, and a new leader resumes from what was saved.
 */
import type { Leadership } from '../leadership/leadership';
import type { Logger } from '../log';
import type { RolloutStatus } from '../observatory/observatory-inputs';
import { Gauge, renderMetrics } from '../ops/metrics';
import { resolveHost } from '../push/host-names';
import type { RouteWeight } from '../push/rollout-weights';
import { baselineOf, FleetBaseline, FleetReading, fleetWindow } from '../telemetry/fleet-reading';
import { subsetKey, SubsetWindow } from '../telemetry/subset-totals';
import type { CanaryWindowTraffic } from './canary-verdict';
import type { DeclaredRollout } from './declared-rollout';
import { advance, nextDue, OperatorAction, operate, resumeAfterRestart, rolloutFor } from './rollout-machine';
import { ROLLOUT_PHASES, RolloutRecord } from './rollout-record';
import { RolloutStateConflict, RolloutStateStore } from './rollout-state-store';
import { RolloutTransition, rolloutTransition } from './rollout-transition';

/** The canary traffic the controller reads: every replica's running totals per `host|subset`. */
export interface SubsetTrafficSource {
  track(keys: Iterable<string>): void;
  read(key: string): FleetReading | undefined;
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
  /** Only while this says so are rollouts judged and saved here. @default - always (one process) */
  readonly leadership?: Leadership;
  /** Each saved transition (step advanced, rolled back, paused, …), e.g. to record it as an Event. */
  readonly onTransition?: (rollout: DeclaredRollout, transition: RolloutTransition) => void;
}

/** Node timers overflow beyond 2^31-1 ms; a farther judgement is reached in hops (the timer re-arms). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/** Timers may fire a hair before the wall clock reaches the due time. */
const TIMER_MARGIN_MS = 5;

export type RolloutActionResult = { readonly status: 200 | 404 | 409; readonly body: unknown };

/** A transition made in memory, announced once it is saved. */
interface PendingTransition {
  readonly before: RolloutRecord | undefined;
  readonly after: RolloutRecord;
  readonly action?: OperatorAction;
}

/** Where a step's window begins: the reading of the canary's totals when the step began (or this process first saw it). */
interface WindowStart {
  readonly step: number;
  readonly stepStartedAt: number;
  readonly reading: FleetBaseline | undefined;
}

export class RolloutController {
  private readonly records = new Map<string, RolloutRecord>();
  private declared = new Map<string, DeclaredRollout>();
  private readonly windowStarts = new Map<string, WindowStart>();
  /** The canary requests each replica counted in the step's window at the last judgement, for `/debug/rollouts`. */
  private readonly windowReplicas = new Map<string, { readonly requests: Record<string, number>; readonly unreachable: readonly string[] }>();
  /** The weight each rollout serves: a judged or operated change only once it is saved. */
  private readonly served = new Map<string, number>();
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<boolean> = Promise.resolve(true);
  private stopped = false;
  /** Judges and saves only while true: always without a leadership, else while leading. */
  private leading: boolean;
  /** What the leader saved last, as a follower read it (also for rollouts not declared here yet). */
  private readonly followed = new Map<string, RolloutRecord>();
  private stopWatch: (() => Promise<void>) | undefined;
  private synced = false;

  constructor(private readonly options: RolloutControllerOptions) {
    this.clock = options.clock ?? Date.now;
    this.leading = options.leadership?.isLeader ?? true;
    options.leadership?.onChange((leading) => (leading ? void this.lead() : this.follow()));
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
    if (this.options.leadership && this.options.store.watch && !this.stopWatch) {
      this.stopWatch = this.options.store.watch((records) => this.followSaved(records));
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
    const transitions: PendingTransition[] = [];
    for (const rollout of next.values()) {
      // A follower starts from what the leader saved, when it saw that before the VirtualService.
      const current = this.records.get(rollout.key);
      const existing = current ?? (this.leading ? undefined : this.followed.get(rollout.key));
      const fresh = this.declared.get(rollout.key) === undefined && existing?.planDigest === rollout.planDigest;
      let record = rolloutFor(existing, rollout, now);
      // First sight in this process of a saved, same-plan rollout: it resumes.
      if (fresh && this.leading) record = resumeAfterRestart(record, rollout.spec, now);
      const started = !existing || existing.planDigest !== record.planDigest;
      if (record !== current) {
        this.records.set(rollout.key, record);
        changed = true;
        if (started && this.leading) {
          this.options.log.info({ rollout: rollout.key, canary: rollout.spec.canary, weight: record.weight }, record.message);
          transitions.push({ before: existing, after: record });
        }
      }
      // A new rollout's first weight may be served before it is saved: a restart would start it the same way.
      if (started || !this.served.has(rollout.key)) this.served.set(rollout.key, record.weight);
    }
    for (const key of [...this.records.keys()]) {
      if (!next.has(key)) {
        this.records.delete(key);
        this.windowStarts.delete(key);
        this.windowReplicas.delete(key);
        this.served.delete(key);
        changed = true;
      }
    }
    this.declared = next;
    this.synced = true;
    this.options.traffic.track([...next.values()].map((rollout) => this.canaryKey(rollout)));
    if (changed && this.leading) void this.save().then((saved) => saved && this.announce(transitions));
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
    if (!this.leading) {
      const leader = this.options.leadership?.holder;
      return { status: 409, body: { error: `this replica does not execute rollouts; ${leader ? `the leader ${leader} does` : 'no replica leads yet'}: send the action to the leader's ops port (the holder of the rollout Lease)` } };
    }
    const outcome = operate(record, rollout.spec, action, this.clock());
    if (!outcome.ok) return { status: 409, body: { error: outcome.error } };
    this.records.set(key, outcome.record);
    this.options.log.info({ rollout: key, action, weight: outcome.record.weight }, outcome.record.message);
    if (!await this.save()) {
      return { status: 409, body: { error: `the rollout state was changed by another replica while '${action}' was being saved; see /debug/rollouts and try again` } };
    }
    this.announce([{ before: record, after: outcome.record, action }]);
    this.served.set(key, outcome.record.weight);
    if (outcome.record.weight !== record.weight) this.options.onWeightsChanged(`rollout:${action}`);
    this.arm();
    return { status: 200, body: this.viewOf(outcome.record) };
  }

  /** Judges every rollout whose pause is over; exported for tests, run by the timer otherwise. */
  async evaluate(): Promise<void> {
    if (!this.leading) return;
    const now = this.clock();
    const judged: RolloutRecord[] = [];
    const transitions: PendingTransition[] = [];
    for (const [key, record] of this.records) {
      const rollout = this.declared.get(key);
      if (!rollout || record.phase !== 'Progressing') continue;
      const next = advance(record, rollout.spec, now, this.windowTraffic(rollout, record));
      if (next === record) continue;
      this.records.set(key, next);
      judged.push(next);
      transitions.push({ before: record, after: next });
      if (next.phase !== record.phase || next.step !== record.step) this.options.log.info({ rollout: key, phase: next.phase, step: next.step + 1, weight: next.weight, verdict: next.lastVerdict }, next.message);
    }
    // Saved before served: a restart then resumes at the new step, never re-judging the old one into a second advance.
    if (judged.length === 0) {
      this.arm();
      return;
    }
    // Conflicted: another writer's state is re-read and served instead; this judgement is dropped.
    if (!await this.save()) {
      this.arm();
      return;
    }
    this.announce(transitions);
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
    const rollouts = [...this.records.values()].sort((a, b) => a.key.localeCompare(b.key)).map((record) => this.viewOf(record));
    const leadership = this.options.leadership;
    return leadership ? { rollouts, executing: this.leading, leader: leadership.holder ?? null } : { rollouts };
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
    await this.stopWatch?.();
    await this.saving;
  }

  /**
   * Becomes the executing replica: re-reads the saved records (the former leader's last word) and
   * resumes each at its saved step, judging traffic from now on; nothing is judged twice.
   */
  private async lead(): Promise<void> {
    this.leading = true;
    this.options.log.info({ store: this.options.store.description }, 'leading: executing rollouts from the saved state');
    await this.adoptSaved();
  }

  /** Stops executing at once: no judgement, no save; the weights served stay until the leader's next save. */
  private follow(): void {
    if (!this.leading) return;
    this.leading = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.log.warn('no longer leading: rollouts are executed by the replica holding the Lease; serving the weights it saves');
  }

  /** Replaces the records by the saved ones (after a takeover or a conflict) and resumes them. */
  private async adoptSaved(): Promise<void> {
    let saved: RolloutRecord[];
    try {
      saved = await this.options.store.load();
    } catch (error) {
      this.options.log.error({ store: this.options.store.description, err: (error as Error).message }, 'rollout state could not be read; retried shortly');
      this.retryAdopt();
      return;
    }
    if (!this.leading || this.stopped) return;
    const now = this.clock();
    const savedByKey = new Map(saved.map((record) => [record.key, record]));
    const changed = this.synced && [...this.declared.keys()].some((key) => savedByKey.get(key) !== this.records.get(key));
    this.records.clear();
    for (const record of saved) this.records.set(record.key, record);
    this.windowStarts.clear();
    this.windowReplicas.clear();
    const transitions: PendingTransition[] = [];
    if (this.synced) {
      for (const key of [...this.records.keys()]) if (!this.declared.has(key)) this.records.delete(key);
      for (const rollout of this.declared.values()) {
        const existing = this.records.get(rollout.key);
        const record = existing && existing.planDigest === rollout.planDigest && existing.step < rollout.spec.steps.length
          ? resumeAfterRestart(existing, rollout.spec, now)
          : rolloutFor(existing, rollout, now);
        if (record.planDigest !== existing?.planDigest) transitions.push({ before: existing, after: record });
        this.records.set(rollout.key, record);
      }
    }
    if (changed || transitions.length > 0) void this.save().then((ok) => ok && this.announce(transitions));
    let weightChanged = false;
    for (const record of this.records.values()) {
      if (this.served.has(record.key) && this.served.get(record.key) !== record.weight) weightChanged = true;
      this.served.set(record.key, record.weight);
    }
    if (weightChanged) this.options.onWeightsChanged('rollout:leader-takeover');
    this.arm();
  }

  private retryAdopt(): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      if (this.leading) void this.adoptSaved();
    }, RETRY_AFTER_FAILURE_MS);
    timer.unref();
  }

  /** A follower serves what the leader saved, for the rollouts it declares with the same plan. */
  private followSaved(saved: readonly RolloutRecord[]): void {
    if (this.leading || this.stopped) return;
    this.followed.clear();
    let weightChanged = false;
    for (const record of saved) {
      this.followed.set(record.key, record);
      const rollout = this.declared.get(record.key);
      if (!rollout || rollout.planDigest !== record.planDigest || record.step >= rollout.spec.steps.length) continue;
      this.records.set(record.key, record);
      if (this.served.get(record.key) !== record.weight) weightChanged = true;
      this.served.set(record.key, record.weight);
    }
    if (weightChanged) this.options.onWeightsChanged('rollout:leader-state');
  }

  /** Hands each saved transition to `onTransition`, while this replica still leads. */
  private announce(transitions: readonly PendingTransition[]): void {
    if (!this.leading || !this.options.onTransition) return;
    for (const pending of transitions) {
      const rollout = this.declared.get(pending.after.key);
      const transition = rolloutTransition(pending.before, pending.after, pending.action);
      if (rollout && transition) this.options.onTransition(rollout, transition);
    }
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
      // Only the executing replica reads every replica's totals.
      telemetryByReplica: this.leading ? this.windowReplicas.get(record.key) : undefined,
      history: record.history.map((event) => ({ ...event, at: new Date(event.at).toISOString() })),
    };
  }

  /** The canary's traffic since the step began (or since this process first saw it, after a restart). */
  private windowTraffic(rollout: DeclaredRollout, record: RolloutRecord): CanaryWindowTraffic | undefined {
    const key = this.canaryKey(rollout);
    const current = this.options.traffic.read(key);
    const start = this.windowStarts.get(record.key);
    if (!start || start.step !== record.step || start.stepStartedAt !== record.stepStartedAt || !start.reading) {
      this.windowStarts.set(record.key, { step: record.step, stepStartedAt: record.stepStartedAt, reading: current && baselineOf(current) });
      return undefined;
    }
    if (!current) return undefined;
    const { window, incomplete, baseline, requestsByReplica } = fleetWindow(start.reading, current);
    this.windowStarts.set(record.key, { ...start, reading: baseline });
    this.windowReplicas.set(record.key, { requests: Object.fromEntries([...requestsByReplica].sort(([a], [b]) => a.localeCompare(b))), unreachable: [...current.unreachable.keys()].sort() });
    return { ...canaryTraffic(window), incomplete };
  }

  private baselineNow(rollout: DeclaredRollout): FleetBaseline | undefined {
    const reading = this.options.traffic.read(this.canaryKey(rollout));
    return reading && baselineOf(reading);
  }

  private canaryKey(rollout: DeclaredRollout): string {
    return subsetKey(resolveHost(rollout.host, rollout.namespace, this.options.clusterDomain), rollout.spec.canary);
  }

  /**
   * Queues a save of every record; resolves false only on a conflict (another writer saved first),
   * which re-reads the saved state instead: what was to be saved is not served. Another failure is
   * logged and retried with the next change (resolving true: the change is served).
   */
  private save(): Promise<boolean> {
    const records = [...this.records.values()];
    this.saving = this.saving.then(() => this.options.store.save(records)).then(() => true, (error: Error) => {
      if (error instanceof RolloutStateConflict) {
        this.options.log.warn({ store: this.options.store.description, err: error.message }, 'rollout state saved by another replica meanwhile; continuing from what it saved');
        if (this.leading) void this.adoptSaved();
        return false;
      }
      this.options.log.error({ store: this.options.store.description, err: error.message }, 'saving rollout state failed; a restart may repeat the last step');
      return true;
    });
    return this.saving;
  }

  /** Arms the timer for the earliest judgement due; also (re)starts each step's window. */
  private arm(): void {
    if (this.stopped || !this.leading) return;
    const now = this.clock();
    let earliest: number | undefined;
    for (const [key, record] of this.records) {
      const rollout = this.declared.get(key);
      if (!rollout) continue;
      const start = this.windowStarts.get(key);
      if (!start || start.step !== record.step || start.stepStartedAt !== record.stepStartedAt) {
        this.windowStarts.set(key, { step: record.step, stepStartedAt: record.stepStartedAt, reading: this.baselineNow(rollout) });
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
