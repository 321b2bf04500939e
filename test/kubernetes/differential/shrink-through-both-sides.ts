/**
 * Shrinking with istiod and the reconciler as the judges: every candidate is applied, served by
 * both sides and asked the case's requests again; it counts as still disagreeing when the caller's
 * test holds for its results. A candidate either side does not serve in time (refused, or the
 * smaller object means something neither accepts) counts as not disagreeing.
 */
import { shrinkCase, ShrinkResult } from './case-shrinker';
import type { DifferentialCase } from './differential-case';
import { applyCase, ClassResult, runRequests, Sides } from './differential-runner';
import type { EchoBackends } from './echo-backends';
import type { Cluster } from '../cluster/cluster';

/** A candidate both sides accept is served within a second or two; a refused one is never served. */
const CANDIDATE_WAIT_MS = 10_000;

export interface ShrunkDisagreement extends ShrinkResult {
  /** The results of the smallest case, asked once more after shrinking. */
  readonly observed: readonly ClassResult[];
}

export async function shrinkThroughBothSides(
  cluster: Cluster,
  sides: Sides,
  backends: EchoBackends,
  testCase: DifferentialCase,
  disagrees: (results: readonly ClassResult[]) => boolean,
  maxTrials: number,
): Promise<ShrunkDisagreement> {
  let trial = 0;
  const ask = async (candidate: DifferentialCase): Promise<ClassResult[] | undefined> => {
    try {
      await applyCase(cluster, sides, candidate.objects, `${candidate.id}-shrink-${trial++}`, { timeoutMs: CANDIDATE_WAIT_MS, clusters: candidate.clusters });
    } catch {
      return undefined;
    }
    return runRequests(sides, backends, [candidate]);
  };
  const result = await shrinkCase(testCase, async (candidate) => {
    const results = await ask(candidate);
    return results !== undefined && disagrees(results);
  }, { maxTrials });
  const observed = await ask(result.shrunk);
  if (!observed || !disagrees(observed)) {
    throw new Error(`the shrunk form of ${testCase.id} no longer disagrees when asked again: ${JSON.stringify(result.shrunk.objects)}`);
  }
  return { ...result, observed };
}
