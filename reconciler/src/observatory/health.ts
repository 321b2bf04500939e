/**
 * Health as Kiali defines it by default: the share of 5xx responses (and of gRPC errors) above 0 %
 * is Degraded and from 10 % Failure; 4xx from 10 % is Degraded and from 20 % Failure; endpoints
 * ejected degrade, none ready fails. No traffic in the window is a state of its own, never Healthy.
 */
import type { TrafficSummary } from './observatory-graph';

export type HealthState = 'Healthy' | 'Degraded' | 'Failure' | 'NoTraffic';

export interface HealthStatus {
  readonly state: HealthState;
  /** Why, in one line: `5xx 49.8 % ≥ 10 %`, `no requests in the last 60 s`. */
  readonly reason: string;
}

/** Error ratios in percent: above `degraded` (5xx) or from `degraded` (4xx) is Degraded; from `failure` Failure. */
export interface ErrorTolerance {
  readonly degraded: number;
  readonly failure: number;
}

export interface HealthThresholds {
  readonly serverErrors: ErrorTolerance;
  readonly clientErrors: ErrorTolerance;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  serverErrors: { degraded: 0, failure: 10 },
  clientErrors: { degraded: 10, failure: 20 },
};

const ORDER: Record<HealthState, number> = { NoTraffic: 0, Healthy: 1, Degraded: 2, Failure: 3 };

/** The worse of two statuses; NoTraffic is overridden by any other. */
export function worseHealth(a: HealthStatus, b: HealthStatus): HealthStatus {
  return ORDER[b.state] > ORDER[a.state] ? b : a;
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;

/** Health of traffic over a window of `windowSeconds`. */
export function trafficHealth(traffic: TrafficSummary | undefined, windowSeconds: number, thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS): HealthStatus {
  if (!traffic || (traffic.requestsPerSecond <= 0 && traffic.tcpBytesPerSecond <= 0)) {
    return { state: 'NoTraffic', reason: `no requests in the last ${windowSeconds} s` };
  }
  const server = Math.max(traffic.errorRatio ?? 0, traffic.grpcErrorRatio ?? 0);
  const client = traffic.clientErrorRatio ?? 0;
  const { serverErrors, clientErrors } = thresholds;
  if (server * 100 >= serverErrors.failure) return { state: 'Failure', reason: `errors ${percent(server)} ≥ ${serverErrors.failure} %` };
  if (client * 100 >= clientErrors.failure) return { state: 'Failure', reason: `4xx ${percent(client)} ≥ ${clientErrors.failure} %` };
  if (server * 100 > serverErrors.degraded) return { state: 'Degraded', reason: `errors ${percent(server)} > ${serverErrors.degraded} %` };
  if (client * 100 >= clientErrors.degraded) return { state: 'Degraded', reason: `4xx ${percent(client)} ≥ ${clientErrors.degraded} %` };
  return { state: 'Healthy', reason: `errors ${percent(server)}, 4xx ${percent(client)}` };
}

/** Health of the endpoints behind a service or version; undefined when they say nothing (all ready). */
export function endpointHealth(endpoints: { readonly total: number; readonly ejected: number } | undefined): HealthStatus | undefined {
  if (!endpoints) return undefined;
  if (endpoints.total === 0) return { state: 'Failure', reason: 'no endpoints' };
  const ready = Math.max(0, endpoints.total - endpoints.ejected);
  if (ready === 0) return { state: 'Failure', reason: `0 of ${endpoints.total} endpoints ready (all ejected)` };
  if (endpoints.ejected > 0) return { state: 'Degraded', reason: `${ready} of ${endpoints.total} endpoints ready, ${endpoints.ejected} ejected` };
  return undefined;
}

/**
 * Reads thresholds from `--health-thresholds` text: `5xx=0:10,4xx=10:20` (degraded:failure, percent).
 * Missing classes keep the defaults.
 */
export function parseHealthThresholds(text: string): HealthThresholds {
  let thresholds = DEFAULT_HEALTH_THRESHOLDS;
  for (const part of text.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0)) {
    const match = /^(5xx|4xx)=(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(part);
    if (!match || Number(match[2]) > Number(match[3]) || Number(match[3]) > 100) {
      throw new Error(`--health-thresholds: '${part}' is not <5xx|4xx>=<degraded %>:<failure %> with degraded ≤ failure ≤ 100, e.g. 5xx=0:10,4xx=10:20`);
    }
    const tolerance = { degraded: Number(match[2]), failure: Number(match[3]) };
    thresholds = match[1] === '5xx' ? { ...thresholds, serverErrors: tolerance } : { ...thresholds, clientErrors: tolerance };
  }
  return thresholds;
}
