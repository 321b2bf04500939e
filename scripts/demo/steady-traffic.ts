/**
 * Steady traffic from the caller's sidecar to one service, tallied per reporting window and per
 * phase of the demo: which version answered, how many requests failed (HTTP 5xx from Envoy or no
 * answer at all), the latency p99, and the same for one user's requests.
 */
import { KeepAliveClient, ResolvedTarget } from '../../test/e2e/harness/traffic';

/** What a stretch of traffic did. */
export class TrafficTally {
  readonly versions: Record<string, number> = {};
  requests = 0;
  failures = 0;
  userRequests = 0;
  userFailures = 0;
  private readonly latenciesMs: number[] = [];

  record(outcome: { version?: string; failed: boolean; latencyMs: number; asUser: boolean }): void {
    this.requests += 1;
    if (outcome.version !== undefined) this.versions[outcome.version] = (this.versions[outcome.version] ?? 0) + 1;
    if (outcome.failed) this.failures += 1;
    if (outcome.asUser) {
      this.userRequests += 1;
      if (outcome.failed) this.userFailures += 1;
    }
    this.latenciesMs.push(outcome.latencyMs);
  }

  /** Requests a backend answered (not Envoy itself: a fault or no route has no version). */
  get answered(): number {
    return Object.values(this.versions).reduce((sum, count) => sum + count, 0);
  }

  /** Percentage (0–100) of the answered requests that the version answered. */
  share(version: string): number {
    return this.answered === 0 ? 0 : (100 * (this.versions[version] ?? 0)) / this.answered;
  }

  get errorRate(): number {
    return this.requests === 0 ? 0 : (100 * this.failures) / this.requests;
  }

  /** The 99th percentile latency (nearest rank), in ms. */
  get p99Ms(): number {
    if (this.latenciesMs.length === 0) return 0;
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
  }
}

export interface SteadyTrafficOptions {
  readonly target: ResolvedTarget;
  readonly ratePerSecond: number;
  /** Every `userEvery`-th request carries `userHeader: user`. */
  readonly userEvery: number;
  readonly userHeader: string;
  readonly user: string;
}

/** Requests beyond this many in flight are skipped (and counted as failures) rather than queued. */
const MAX_IN_FLIGHT = 64;

export class SteadyTraffic {
  private readonly client = new KeepAliveClient();
  private readonly tallies = new Set<TrafficTally>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;

  constructor(private readonly options: SteadyTrafficOptions) {}

  start(): void {
    const started = Date.now();
    // Catches up on every tick: a timer that fires late on a busy machine must not lower the rate.
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) * this.options.ratePerSecond) / 1000);
      while (this.sent < due) this.sendOne();
    }, 1000 / this.options.ratePerSecond);
  }

  /** A new tally that counts every request completing from now until `release`. */
  tally(): TrafficTally {
    const tally = new TrafficTally();
    this.tallies.add(tally);
    return tally;
  }

  release(tally: TrafficTally): void {
    this.tallies.delete(tally);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled(this.inFlight);
    this.client.close();
  }

  private sendOne(): void {
    const asUser = this.sent % this.options.userEvery === 0;
    this.sent += 1;
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.recordEverywhere({ failed: true, latencyMs: 0, asUser });
      return;
    }
    const headers = asUser ? { [this.options.userHeader]: this.options.user } : undefined;
    const started = Date.now();
    const request = this.client.send(this.options.target, { headers, timeoutMs: 5000 })
      .then((response) => this.recordEverywhere({ version: response.version, failed: response.status >= 500, latencyMs: response.latencyMs, asUser }))
      .catch(() => this.recordEverywhere({ failed: true, latencyMs: Date.now() - started, asUser }))
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }

  private recordEverywhere(outcome: { version?: string; failed: boolean; latencyMs: number; asUser: boolean }): void {
    for (const tally of this.tallies) tally.record(outcome);
  }
}
