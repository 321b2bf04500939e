/**
 * Whether two samples of outcomes for the same request class mean the same behaviour. A class
 * whose outcomes are all alike on both sides must match exactly; a class that varies (weighted
 * routes, fault percentages) is compared outcome by outcome as two proportions, and differs only
 * beyond 4 standard deviations of the pooled proportion for the two sample sizes.
 */
import { outcomeKey, RequestOutcome } from './request-outcome';

export const TOLERANCE_SIGMAS = 4;

export interface ClassComparison {
  readonly agree: boolean;
  /** Outcome → share on each side, for the report. */
  readonly istiod: Record<string, number>;
  readonly reconciler: Record<string, number>;
  readonly reason?: string;
}

function shares(outcomes: readonly RequestOutcome[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcomeKey(outcome), (counts.get(outcomeKey(outcome)) ?? 0) + 1);
  return counts;
}

const asRecord = (counts: Map<string, number>, total: number) => Object.fromEntries([...counts].map(([key, count]) => [key, count / total]));

export function compareOutcomes(istiod: readonly RequestOutcome[], reconciler: readonly RequestOutcome[]): ClassComparison {
  if (istiod.length === 0 || reconciler.length === 0) throw new Error('a request class needs outcomes from both sides');
  const a = shares(istiod);
  const b = shares(reconciler);
  const report = { istiod: asRecord(a, istiod.length), reconciler: asRecord(b, reconciler.length) };
  if (a.size === 1 && b.size === 1) {
    const same = [...a.keys()][0] === [...b.keys()][0];
    return { agree: same, ...report, ...(same ? {} : { reason: 'a different outcome' }) };
  }
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const pa = (a.get(key) ?? 0) / istiod.length;
    const pb = (b.get(key) ?? 0) / reconciler.length;
    const pooled = ((a.get(key) ?? 0) + (b.get(key) ?? 0)) / (istiod.length + reconciler.length);
    const sigma = Math.sqrt(pooled * (1 - pooled) * (1 / istiod.length + 1 / reconciler.length));
    if (Math.abs(pa - pb) > TOLERANCE_SIGMAS * sigma + 1e-9) {
      return { agree: false, ...report, reason: `share of ${key}: ${pa.toFixed(3)} vs ${pb.toFixed(3)}, beyond ${TOLERANCE_SIGMAS}σ (σ ${sigma.toFixed(3)})` };
    }
  }
  return { agree: true, ...report };
}
