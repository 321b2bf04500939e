/**
 * Runs authorization cases: the case's AuthorizationPolicies replace the previous case's, plus a
 * marker DENY policy named after the case; once each side's server sidecar holds the marker's
 * RBAC rule (and no longer the previous one) in its listeners, and the replaced listeners have
 * drained, every request class is sent straight to both guarded pods and the outcomes compared.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DifferentialCase } from './differential-case';
import type { ClassResult } from './differential-runner';
import { MARKER_HEADER } from './differential-runner';
import { GUARDED_SERVICE } from './guarded-workload';
import { MESH_NAMESPACE } from './mesh-under-test';
import { compareOutcomes } from './outcome-comparison';
import { awaitResponseFlags, taggedRequest } from './request-log';
import { RequestOutcome, sendRequest } from './request-outcome';
import type { ListenerAddress, SidecarEnvoy } from './sidecar-envoy';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';
import type { Cluster } from '../cluster/cluster';

export interface GuardedSides {
  readonly istiod: { readonly sidecar: SidecarEnvoy; readonly target: ListenerAddress };
  readonly reconciler: { readonly sidecar: SidecarEnvoy; readonly target: ListenerAddress };
}

export const markerName = (caseId: string) => `marker-${caseId}`;

export function markerPolicy(caseId: string, namespace = MESH_NAMESPACE, app = GUARDED_SERVICE): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: markerName(caseId), namespace },
    spec: {
      selector: { matchLabels: { app } },
      action: 'DENY',
      rules: [{ when: [{ key: `request.headers[${MARKER_HEADER}]`, values: [caseId] }] }],
    },
  };
}

let previousCase: string | undefined;
/** Passes of the request matrix one side must answer alike before its answers count. */
const STABLE_PASSES = 2;
const MAX_PASSES = 8;
const PASS_INTERVAL_MS = 200;

/**
 * The answers of one side once they stop changing. An RBAC update reaches Envoy's workers after
 * its config dump shows it, so a side's first answers may still come from the previous policies;
 * an authorization outcome is deterministic, so two identical passes in a row mean it has settled.
 */
export async function settled<T>(pass: () => Promise<T[]>): Promise<T[]> {
  let previous = await pass();
  let alike = 1;
  for (let passes = 1; passes < MAX_PASSES && alike < STABLE_PASSES; passes++) {
    await new Promise((resolve) => setTimeout(resolve, PASS_INTERVAL_MS));
    const current = await pass();
    alike = JSON.stringify(current) === JSON.stringify(previous) ? alike + 1 : 1;
    previous = current;
  }
  return previous;
}

export async function listenersMention(sidecar: SidecarEnvoy, text: string): Promise<boolean> {
  const dump = await sidecar.configDump({ resource: 'dynamic_listeners' });
  return JSON.stringify(dump).includes(`-policy[${text}]-`);
}

export async function applyAuthorizationCase(cluster: Cluster, sides: GuardedSides, objects: readonly KubeObject[], caseId: string): Promise<void> {
  await cluster.kubectl(['delete', 'authorizationpolicies', '--all', '-n', MESH_NAMESPACE, '--wait=true']);
  await cluster.kubectl(['create', '-f', '-'], [...objects, markerPolicy(caseId)].map((object) => JSON.stringify(object)).join('\n---\n'));
  const previous = previousCase;
  await Promise.all([sides.istiod.sidecar, sides.reconciler.sidecar].map((sidecar) =>
    cluster.waitFor(`${sidecar.plane.side} to enforce authorization case ${caseId}`, async () =>
      await listenersMention(sidecar, markerName(caseId)) && !(previous && await listenersMention(sidecar, markerName(previous)))
      && await sidecar.listenersDraining() === 0, 60_000, 200)));
  previousCase = caseId;
}

/** `dumpDir`: where to write each side's listeners for the case (for a disagreement to be read). */
export async function runAuthorizationCase(
  cluster: Cluster, sides: GuardedSides, testCase: DifferentialCase, dumpDir?: string,
): Promise<ClassResult[]> {
  await applyAuthorizationCase(cluster, sides, testCase.objects, testCase.id);
  if (dumpDir) {
    for (const [side, { sidecar }] of Object.entries(sides)) {
      fs.writeFileSync(path.join(dumpDir, `listeners-${testCase.id}-${side}.json`), JSON.stringify(await sidecar.configDump({ resource: 'dynamic_listeners' }), null, 1));
    }
  }
  // The server sidecar's access log gives each request's response flags.
  const through = async ({ sidecar, target }: GuardedSides['istiod']) => {
    const sent: { outcome: RequestOutcome; logId: string }[] = [];
    for (const requestClass of testCase.requests) {
      const { request, logId } = taggedRequest(requestClass.request, sidecar.plane.side);
      sent.push({ outcome: (await sendRequest(target, request)).outcome, logId });
    }
    const flags = await awaitResponseFlags(sidecar.logFile, sent.map(({ logId }) => logId));
    return sent.map(({ outcome, logId }) => ({ ...outcome, flags: flags.get(logId) }));
  };
  const [istiod, reconciler] = await Promise.all([settled(() => through(sides.istiod)), settled(() => through(sides.reconciler))]);
  const results: ClassResult[] = testCase.requests.map((requestClass, index) => ({
    caseId: testCase.id, className: requestClass.name, ...compareOutcomes([istiod[index]], [reconciler[index]]),
  }));
  return results;
}

