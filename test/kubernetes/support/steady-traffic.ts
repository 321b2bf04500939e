/**
 * Steady background traffic for scenarios that read rates over a time window (Prometheus, Kiali):
 * the same round of calls, made from inside the calling pods, again and again until stopped. Each
 * round's answers are checked and logged with the time they completed, so a test can say how many
 * calls of an edge fell into any window without trusting the timing of anything else.
 */
import { callFrom } from './mesh-observation';
import type { Cluster } from '../cluster/cluster';
import type { Pod } from '../node-agent/pod-types';

export interface TrafficBatch {
  /** Names the edge in the log and in errors, e.g. `productpage→details 500`. */
  readonly edge: string;
  readonly from: Pod;
  readonly url: string;
  readonly count: number;
  /** Every answer must carry this status. */
  readonly expectedStatus: number;
}

interface LoggedBatch {
  readonly edge: string;
  readonly count: number;
  readonly completedAt: number;
}

export class SteadyTraffic {
  /** Starts the rounds in the background; a batch answered otherwise than expected stops them and fails `stop()`. */
  static start(cluster: Cluster, round: readonly TrafficBatch[]): SteadyTraffic {
    return new SteadyTraffic(cluster, round);
  }

  private readonly log: LoggedBatch[] = [];
  private stopping = false;
  private failure: Error | undefined;
  private readonly running: Promise<void>;
  private completedRounds = 0;

  private constructor(private readonly cluster: Cluster, private readonly round: readonly TrafficBatch[]) {
    this.running = this.run();
  }

  /** Rounds completed so far. */
  get rounds(): number {
    this.throwIfFailed();
    return this.completedRounds;
  }

  /** Calls of the edges whose name starts with `edgePrefix` that completed in [from, to] (epoch ms). */
  callsBetween(edgePrefix: string, from: number, to: number): number {
    this.throwIfFailed();
    return this.log.filter((batch) => batch.edge.startsWith(edgePrefix) && batch.completedAt >= from && batch.completedAt <= to)
      .reduce((sum, batch) => sum + batch.count, 0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        for (const batch of this.round) {
          const answers = await callFrom(this.cluster, batch.from, batch.url, batch.count);
          const unexpected = answers.filter((answer) => answer.status !== batch.expectedStatus);
          if (unexpected.length > 0) {
            throw new Error(`traffic ${batch.edge}: ${unexpected.length} of ${answers.length} calls to ${batch.url} did not answer ${batch.expectedStatus}: ${JSON.stringify(unexpected.slice(0, 3))}`);
          }
          this.log.push({ edge: batch.edge, count: batch.count, completedAt: Date.now() });
        }
        this.completedRounds += 1;
      }
    } catch (error) {
      this.failure = error as Error;
    }
  }
}
