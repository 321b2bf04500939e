/**
 * Reading executed rollouts in e2e scenarios: their state in `/debug/rollouts`, and the weight
 * every proxy's snapshot (sidecar or proxyless) gives the canary.
 */
import { waitUntil } from '../../../reconciler/test/support/wait';
import type { MeshScenario } from '../harness';

export interface RolloutEventView {
  readonly at: string;
  readonly phase: string;
  readonly step: number;
  readonly weight: number;
  readonly message: string;
}

export interface RolloutView {
  readonly rollout: string;
  readonly state: string;
  readonly step: string;
  readonly weight: number;
  readonly reason: string;
  readonly lastVerdict?: string;
  readonly history: readonly RolloutEventView[];
}

export async function rolloutOf(mesh: MeshScenario, key: string): Promise<RolloutView> {
  const { rollouts } = await mesh.reconcilerOps<{ rollouts: RolloutView[] }>('/debug/rollouts');
  const found = rollouts.find((rollout) => rollout.rollout === key);
  if (!found) throw new Error(`no rollout ${key} in /debug/rollouts: ${JSON.stringify(rollouts)}`);
  return found;
}

export async function waitForRollout(
  mesh: MeshScenario, key: string, what: string, done: (rollout: RolloutView) => boolean, timeoutMs = 90_000): Promise<RolloutView> {
  let last: RolloutView | undefined;
  await waitUntil(`rollout ${key} ${what}`, async () => {
    last = await rolloutOf(mesh, key);
    return done(last);
  }, timeoutMs, 200).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(last)}`);
  });
  return last!;
}

/** The weights the proxies' current snapshots give the `subset` cluster of `serviceName`, one per weighted route entry. */
export async function servedSubsetWeights(mesh: MeshScenario, serviceName: string, subset: string): Promise<number[]> {
  const weights: number[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const entry = value as { name?: unknown; weight?: unknown };
    if (typeof entry.name === 'string' && entry.name.includes(`|${subset}|${serviceName}.`) && typeof entry.weight === 'number') weights.push(entry.weight);
    Object.values(value).forEach(visit);
  };
  for (const proxyId of mesh.proxyIds()) visit(await mesh.reconcilerOps(`/debug/config_dump?proxy=${encodeURIComponent(proxyId)}`));
  return weights;
}

/**
 * Until every proxy runs the rollout's weight: /debug/rollouts shows a weight once it is saved,
 * and the push that serves it follows, so the snapshots are checked first, then the ACKs. A
 * weight of 0 leaves the canary out of the split (zero-weight destinations are not served).
 */
export async function waitForServedCanaryWeight(mesh: MeshScenario, serviceName: string, weight: number, canary = 'v2'): Promise<void> {
  let last: number[] = [];
  await waitUntil(`every snapshot to route ${weight} % to ${serviceName} ${canary}`, async () => {
    last = await servedSubsetWeights(mesh, serviceName, canary);
    return weight === 0 ? last.length === 0 : last.length > 0 && last.every((served) => served === weight);
  }, 30_000, 100).catch((error: Error) => {
    throw new Error(`${error.message}; served weights: ${JSON.stringify(last)}`);
  });
  await mesh.waitUntilServed();
}
