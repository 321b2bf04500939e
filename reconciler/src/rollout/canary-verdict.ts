/**
 * Judges a canary over one window: success rate (non-5xx share, or non-error share of gRPC
 * calls) and p99 latency against the step's thresholds. Pure: it sees counts, not the clock.
 */
import type { RolloutStepSpec } from '../model';

/** What the canary's subset received over the window, from its callers' proxies. */
export interface CanaryWindowTraffic {
  readonly requests: number;
  /** 5xx answers (for gRPC: calls whose status is not OK, when that is more). */
  readonly failures: number;
  /** 99th percentile latency in ms; undefined without latency samples. */
  readonly p99Ms?: number;
  /** Why the counts miss traffic of the window (a replica's totals could not be read): no verdict then. */
  readonly incomplete?: string;
}

export interface CanaryVerdict {
  readonly passed: boolean;
  /** One line: every breach, or every check that held. */
  readonly summary: string;
}

/** Whether `traffic` satisfies every threshold of `step`; `where` ends each line, e.g. "at step 2 of 4, weight 25 %". */
export function judgeCanary(traffic: CanaryWindowTraffic, step: RolloutStepSpec, where: string): CanaryVerdict {
  const over = `over ${traffic.requests} requests ${where}`;
  const successRate = traffic.requests > 0 ? (100 * (traffic.requests - traffic.failures)) / traffic.requests : 100;
  const errorRate = 100 - successRate;
  const breaches: string[] = [];
  const held: string[] = [];
  if (step.minSuccessRate !== undefined) {
    (successRate < step.minSuccessRate ? breaches : held).push(`success rate ${percent(successRate, Math.floor)} % ${successRate < step.minSuccessRate ? '<' : '≥'} ${step.minSuccessRate} %`);
  }
  if (step.maxErrorRate !== undefined) {
    (errorRate > step.maxErrorRate ? breaches : held).push(`error rate ${percent(errorRate, Math.ceil)} % ${errorRate > step.maxErrorRate ? '>' : '≤'} ${step.maxErrorRate} %`);
  }
  if (step.maxP99LatencyMs !== undefined) {
    if (traffic.p99Ms === undefined) {
      breaches.push(`no latency samples to check p99 ≤ ${step.maxP99LatencyMs} ms`);
    } else {
      (traffic.p99Ms > step.maxP99LatencyMs ? breaches : held).push(`p99 latency ${Math.round(traffic.p99Ms)} ms ${traffic.p99Ms > step.maxP99LatencyMs ? '>' : '≤'} ${step.maxP99LatencyMs} ms`);
    }
  }
  if (breaches.length > 0) return { passed: false, summary: `${breaches.join(', ')} ${over}` };
  return { passed: true, summary: `${held.length > 0 ? held.join(', ') : 'no thresholds to check'} ${over}` };
}

/** One decimal, rounded away from the threshold's good side, so a breach never reads as a pass (98.96 % success shows as 98.9). */
function percent(value: number, round: (value: number) => number): string {
  // toFixed(6) first drops float noise (99.1 * 10 = 990.9999999999999), which would otherwise round the wrong way.
  return (round(Number((value * 10).toFixed(6))) / 10).toFixed(1);
}
