/**
 * Leader election with a `coordination.k8s.io/v1` Lease, as client-go's leaderelection does it: a
 * candidate takes the Lease only once its holder has not renewed it for a whole lease duration (as
 * observed on this replica's clock, never by comparing clocks), every write carries the
 * resourceVersion it read (optimistic concurrency: of two candidates, one gets 409 Conflict), and a
 * leader that has not renewed within the renew deadline — shorter than the lease duration — stops
 * leading at once, before anybody else can have taken the Lease. Stopping releases the Lease.
 */
import { describeApiError, httpStatusOf } from '../config/http-status';
import type { Leadership } from './leadership';

/** The fields of a Lease's spec the election reads and writes. */
export interface LeaseRecord {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: Date;
  readonly renewTime?: Date;
  readonly leaseTransitions?: number;
}

export interface StoredLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** The three calls the election makes on one Lease, so tests drive it with a fake. */
export interface LeaseApi {
  /** Undefined when the Lease does not exist. */
  read(): Promise<StoredLease | undefined>;
  /** Fails with HTTP 409 when it exists already. */
  create(record: LeaseRecord): Promise<StoredLease>;
  /** Fails with HTTP 409 when the Lease changed since `resourceVersion`. */
  replace(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

/** client-go's defaults (and kube-controller-manager's). */
export const DEFAULT_LEASE_TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

export interface LeaseTiming {
  /** How long candidates wait, from the last change they saw, before taking an unrenewed Lease. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps leading without a successful renewal. */
  readonly renewDeadlineMs: number;
  /** How often the leader renews and candidates retry. */
  readonly retryPeriodMs: number;
}

export interface LeaseElectorOptions {
  /** This replica, e.g. its pod name: the Lease's holderIdentity. */
  readonly identity: string;
  /** Quoted in errors, e.g. `Lease mesh-system/mesh-rollout-leader`. */
  readonly description: string;
  readonly timing?: LeaseTiming;
  readonly onError?: (message: string) => void;
  /** Epoch ms. @default Date.now */
  readonly clock?: () => number;
}

/** Candidates retry a little later than the leader renews (client-go's jitter factor), so the leader wins ties. */
const CANDIDATE_JITTER = 1.2;

/** Checks the timing as client-go does; the message names the flags. */
export function checkLeaseTiming(timing: LeaseTiming): void {
  if (timing.leaseDurationMs < 1000) {
    throw new Error(`--leader-elect-lease-duration is ${timing.leaseDurationMs} ms; it must be at least 1s (a Lease counts whole seconds)`);
  }
  if (!(timing.leaseDurationMs > timing.renewDeadlineMs)) {
    throw new Error(`--leader-elect-lease-duration (${timing.leaseDurationMs} ms) must be longer than --leader-elect-renew-deadline (${timing.renewDeadlineMs} ms), e.g. 15s and 10s`);
  }
  if (!(timing.renewDeadlineMs > CANDIDATE_JITTER * timing.retryPeriodMs)) {
    throw new Error(`--leader-elect-renew-deadline (${timing.renewDeadlineMs} ms) must be longer than 1.2 × --leader-elect-retry-period (${timing.retryPeriodMs} ms), e.g. 10s and 2s`);
  }
}

export class LeaseElector implements Leadership {
  private leading = false;
  private listeners: ((leading: boolean) => void)[] = [];
  private readonly timing: LeaseTiming;
  private readonly clock: () => number;
  /** The Lease as last read or written, and when (on this clock) it last changed. */
  private observed: StoredLease | undefined;
  private observedAt = 0;
  /** When the last successful renewal was sent (the Lease counts from no earlier than that). */
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private running = false;
  private attempt: Promise<void> = Promise.resolve();

  constructor(private readonly api: LeaseApi, private readonly options: LeaseElectorOptions) {
    this.timing = options.timing ?? DEFAULT_LEASE_TIMING;
    checkLeaseTiming(this.timing);
    this.clock = options.clock ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get holder(): string | undefined {
    return this.observed?.record.holderIdentity || undefined;
  }

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Starts trying to acquire (then renew) the Lease every retry period. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops trying; a leader stops leading and releases the Lease so another replica takes over without waiting. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.attempt;
    if (!this.leading) return;
    const observed = this.observed;
    this.setLeading(false);
    if (!observed) return;
    try {
      // As client-go releases: no holder, and a one-second lease so candidates need not wait out the full duration.
      await this.api.replace({ ...observed.record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new Date(this.clock()) }, observed.resourceVersion);
    } catch (error) {
      this.options.onError?.(`releasing ${this.options.description} failed: ${describeApiError(error)}; another replica takes it once it expires`);
    }
  }

  /** One attempt to acquire or renew; exported for tests, run by the timer otherwise. */
  tryAcquireOrRenew(): Promise<void> {
    this.attempt = this.attempt.then(() => this.acquireOrRenew());
    return this.attempt;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tryAcquireOrRenew().then(() => this.schedule(this.leading ? this.timing.retryPeriodMs : this.timing.retryPeriodMs * CANDIDATE_JITTER));
    }, delayMs);
    this.timer.unref();
  }

  private async acquireOrRenew(): Promise<void> {
    const sentAt = this.clock();
    const identity = this.options.identity;
    // As client-go bounds each try by the renew deadline: a hung request must not block the next tries.
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`no answer from the API server within ${this.timing.renewDeadlineMs} ms`)), this.timing.renewDeadlineMs);
      timeout.unref();
    });
    const answer = <T>(call: Promise<T>) => Promise.race([call, deadline]);
    try {
      await this.tryOnce(sentAt, identity, answer);
    } finally {
      clearTimeout(timeout);
    }
  }

  private async tryOnce(sentAt: number, identity: string, answer: <T>(call: Promise<T>) => Promise<T>): Promise<void> {
    if (this.leading && this.observed?.record.holderIdentity === identity) {
      // A leader writes the Lease it last wrote straight back, as client-go renews: one request per
      // retry period instead of two. Only when that fails (another writer, the API server) is it read.
      try {
        this.won(await answer(this.api.replace(this.ownRecord(this.observed.record, sentAt), this.observed.resourceVersion)), sentAt);
        return;
      } catch {
        // The read below finds out why, and says so.
      }
    }
    try {
      const current = await answer(this.api.read());
      if (!current) {
        this.won(await answer(this.api.create(this.ownRecord(undefined, sentAt))), sentAt);
        return;
      }
      this.observe(current);
      const holder = current.record.holderIdentity;
      if (holder && holder !== identity) {
        // Somebody else holds it: a leader learning this stops at once; a candidate waits out the lease.
        if (this.leading) this.lost(`${this.options.description} is held by ${holder} now`);
        const leaseMs = (current.record.leaseDurationSeconds ?? this.timing.leaseDurationMs / 1000) * 1000;
        if (this.observedAt + leaseMs > this.clock()) return;
      }
      this.won(await answer(this.api.replace(this.ownRecord(current.record, sentAt), current.resourceVersion)), sentAt);
    } catch (error) {
      if (httpStatusOf(error) === 409) {
        // Another replica wrote first; what it wrote is read on the next attempt.
        if (this.leading) this.lost(`${this.options.description} was written by another replica`);
        return;
      }
      this.options.onError?.(`${this.leading ? 'renewing' : 'acquiring'} ${this.options.description} failed: ${describeApiError(error)}${httpStatusOf(error) === 403
        ? "; the reconciler's Role must allow get, create and update on leases (the Mesh construct emits that Role)" : ''}`);
    }
  }

  private ownRecord(previous: LeaseRecord | undefined, now: number): LeaseRecord {
    const mine = previous?.holderIdentity === this.options.identity;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.timing.leaseDurationMs / 1000),
      acquireTime: mine && previous?.acquireTime ? previous.acquireTime : new Date(now),
      renewTime: new Date(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (previous && !mine ? 1 : 0),
    };
  }

  private observe(lease: StoredLease): void {
    if (lease.resourceVersion !== this.observed?.resourceVersion) {
      this.observed = lease;
      this.observedAt = this.clock();
    }
  }

  private won(lease: StoredLease, sentAt: number): void {
    this.observed = lease;
    this.observedAt = this.clock();
    if (!this.running) return;
    this.renewedAt = sentAt;
    this.armDeadline();
    if (!this.leading) this.setLeading(true);
  }

  /** Stops leading exactly when the renew deadline passes, even if a renewal is still hanging. */
  private armDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    const remaining = this.renewedAt + this.timing.renewDeadlineMs - this.clock();
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      if (this.leading && this.clock() >= this.renewedAt + this.timing.renewDeadlineMs) {
        this.lost(`${this.options.description} not renewed within ${this.timing.renewDeadlineMs} ms`);
      }
    }, Math.max(0, remaining));
    this.deadline.unref();
  }

  private lost(reason: string): void {
    this.options.onError?.(`stopped leading: ${reason}`);
    this.setLeading(false);
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (!leading && this.deadline) {
      clearTimeout(this.deadline);
      this.deadline = undefined;
    }
    for (const listener of this.listeners) listener(leading);
  }
}
