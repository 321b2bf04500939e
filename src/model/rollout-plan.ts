/**
 * The rollout plan a `CanaryRelease` declares in the `mesh.cdk8s.io/rollout` annotation and the
 * reconciler executes: one shape for the writer and the reader, and the checks the reader runs
 * at ingest (every problem names the field, quotes the value and says how to fix it).
 */

/** One step as written in the annotation: durations are Istio duration strings (`30s`, `250ms`). */
export interface RolloutPlanStep {
  /** Canary weight of the step, a whole number 0–100, above the previous step's. */
  readonly weight: number;
  /** How long the step holds its weight before the canary is judged. */
  readonly pause: string;
  /** Highest acceptable share (percent) of failed requests (5xx, or gRPC errors for gRPC). */
  readonly maxErrorRate?: number;
  /** Lowest acceptable share (percent) of successful requests. */
  readonly minSuccessRate?: number;
  /** Highest acceptable 99th percentile latency. */
  readonly maxP99Latency?: string;
}

/** The whole plan as written in the annotation. */
export interface RolloutPlan {
  /** Name of the weighted catch-all HTTP route of the VirtualService that the rollout moves. */
  readonly route: string;
  readonly stable: string;
  readonly canary: string;
  /** The canary weight the VirtualService itself carries (served when no rollout runs). */
  readonly startWeight: number;
  /** Requests the canary must have answered in a step's window before it is judged. */
  readonly minRequests: number;
  /** How long a step may wait for `minRequests` after its pause before the rollout fails. */
  readonly trafficWaitLimit: string;
  readonly steps: readonly RolloutPlanStep[];
}

/** Used when the annotation leaves them out (and by the construct's defaults). */
export const DEFAULT_ROLLOUT_MIN_REQUESTS = 100;
export const DEFAULT_ROLLOUT_TRAFFIC_WAIT_LIMIT = '300s';

/** A step with its durations in milliseconds, as the reconciler runs it. */
export interface RolloutStepSpec {
  readonly weight: number;
  readonly pauseMs: number;
  readonly maxErrorRate?: number;
  readonly minSuccessRate?: number;
  readonly maxP99LatencyMs?: number;
}

/** A validated plan with its durations in milliseconds. */
export interface RolloutSpec {
  readonly route: string;
  readonly stable: string;
  readonly canary: string;
  readonly startWeight: number;
  readonly minRequests: number;
  readonly trafficWaitLimitMs: number;
  readonly steps: readonly RolloutStepSpec[];
}

export type RolloutPlanParse =
  | { readonly ok: true; readonly spec: RolloutSpec }
  | { readonly ok: false; readonly problems: readonly string[] };

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const EXAMPLE = '{"route":"reviews-canary","stable":"v1","canary":"v2","startWeight":0,"minRequests":100,"trafficWaitLimit":"300s",'
  + '"steps":[{"weight":10,"pause":"60s","minSuccessRate":99,"maxP99Latency":"250ms"},{"weight":100,"pause":"60s"}]}';

/** Milliseconds of an Istio-style duration (`1.5s`, `250ms`, `10m`, `1h`); undefined when it is not one or not positive. */
export function rolloutDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value);
  if (!match) return undefined;
  const millis = Number(match[1]) * DURATION_UNIT_MS[match[2]];
  return millis > 0 && Number.isFinite(millis) ? millis : undefined;
}

/**
 * Reads the annotation text: the plan with durations in milliseconds, or every problem found.
 * `field` names the annotation in messages, e.g. `metadata.annotations['mesh.cdk8s.io/rollout']`.
 */
export function parseRolloutPlan(text: string, field: string): RolloutPlanParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`${field} is not JSON (${(error as Error).message}); write it as ${EXAMPLE}`] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: [`${field} is ${shown(value)}, not a JSON object; write it as ${EXAMPLE}`] };
  }
  const plan = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of ['route', 'stable', 'canary'] as const) {
    if (typeof plan[name] !== 'string' || plan[name] === '') problems.push(`${field}.${name} is ${shown(plan[name])}; it must be a non-empty string as in ${EXAMPLE}`);
  }
  if (plan.stable === plan.canary && typeof plan.stable === 'string') {
    problems.push(`${field}.canary is ${shown(plan.canary)}, the same version as stable; name two different subsets`);
  }
  const startWeight = plan.startWeight ?? 0;
  if (!isWeight(startWeight)) problems.push(`${field}.startWeight is ${shown(startWeight)}; it must be a whole number from 0 to 100`);
  const minRequests = plan.minRequests ?? DEFAULT_ROLLOUT_MIN_REQUESTS;
  if (typeof minRequests !== 'number' || !Number.isInteger(minRequests) || minRequests < 1 || minRequests > 2_147_483_647) {
    problems.push(`${field}.minRequests is ${shown(minRequests)}; it must be a whole number of requests from 1 to 2147483647, e.g. 100`);
  }
  const trafficWaitLimit = plan.trafficWaitLimit ?? DEFAULT_ROLLOUT_TRAFFIC_WAIT_LIMIT;
  const trafficWaitLimitMs = rolloutDurationMs(trafficWaitLimit);
  if (trafficWaitLimitMs === undefined) problems.push(`${field}.trafficWaitLimit is ${shown(trafficWaitLimit)}; ${DURATION_FIX}`);
  const steps: RolloutStepSpec[] = [];
  if (!Array.isArray(plan.steps) || plan.steps.length === 0) {
    problems.push(`${field}.steps is ${shown(plan.steps)}; it must be a non-empty array of {weight, pause} as in ${EXAMPLE}`);
  } else {
    let previous = isWeight(startWeight) ? startWeight : 0;
    plan.steps.forEach((step: unknown, index) => {
      const parsed = parseStep(step, `${field}.steps[${index}]`, previous, index === 0 ? 'startWeight' : `steps[${index - 1}].weight`, problems);
      if (parsed) {
        steps.push(parsed);
        previous = parsed.weight;
      }
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    spec: {
      route: plan.route as string,
      stable: plan.stable as string,
      canary: plan.canary as string,
      startWeight: startWeight as number,
      minRequests: minRequests as number,
      trafficWaitLimitMs: trafficWaitLimitMs!,
      steps,
    },
  };
}

const DURATION_FIX = 'it must be a positive duration such as "30s", "250ms" or "10m"';

function parseStep(step: unknown, field: string, previous: number, previousName: string, problems: string[]): RolloutStepSpec | undefined {
  if (typeof step !== 'object' || step === null || Array.isArray(step)) {
    problems.push(`${field} is ${shown(step)}; each step must be an object {weight, pause} as in ${EXAMPLE}`);
    return undefined;
  }
  const { weight, pause, maxErrorRate, minSuccessRate, maxP99Latency } = step as Record<string, unknown>;
  const before = problems.length;
  if (!isWeight(weight)) {
    problems.push(`${field}.weight is ${shown(weight)}; it must be a whole number from 0 to 100`);
  } else if (weight <= previous) {
    problems.push(`${field}.weight is ${weight}, not above ${previousName} (${previous}); list steps in strictly increasing weight`);
  }
  const pauseMs = rolloutDurationMs(pause);
  if (pauseMs === undefined) problems.push(`${field}.pause is ${shown(pause)}; ${DURATION_FIX}`);
  for (const [name, percent] of [['maxErrorRate', maxErrorRate], ['minSuccessRate', minSuccessRate]] as const) {
    if (percent !== undefined && !(typeof percent === 'number' && percent >= 0 && percent <= 100)) {
      problems.push(`${field}.${name} is ${shown(percent)}; it must be a percentage from 0 to 100, e.g. 1 or 99.5`);
    }
  }
  const maxP99LatencyMs = maxP99Latency === undefined ? undefined : rolloutDurationMs(maxP99Latency);
  if (maxP99Latency !== undefined && maxP99LatencyMs === undefined) problems.push(`${field}.maxP99Latency is ${shown(maxP99Latency)}; ${DURATION_FIX}`);
  if (problems.length > before) return undefined;
  return {
    weight: weight as number,
    pauseMs: pauseMs!,
    ...(maxErrorRate !== undefined ? { maxErrorRate: maxErrorRate as number } : {}),
    ...(minSuccessRate !== undefined ? { minSuccessRate: minSuccessRate as number } : {}),
    ...(maxP99LatencyMs !== undefined ? { maxP99LatencyMs } : {}),
  };
}

function isWeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100;
}

function shown(value: unknown): string {
  const text = value === undefined ? 'missing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
