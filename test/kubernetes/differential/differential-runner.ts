/**
 * Runs differential cases through both control planes: the case's objects replace the previous
 * case's VirtualServices, a marker route in each tells when each side serves them, then every
 * request class goes through istiod's sidecar and the reconciler's.
 */
import type { DifferentialCase, RequestClass } from './differential-case';
import type { EchoBackends } from './echo-backends';
import { hostOf, MESH_NAMESPACE } from './mesh-under-test';
import { ClassComparison, compareOutcomes } from './outcome-comparison';
import { RequestOutcome, SentRequest, sendRequest } from './request-outcome';
import type { SidecarEnvoy } from './sidecar-envoy';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';
import type { Cluster } from '../../../test/kubernetes/cluster/cluster';

export const MARKER_HEADER = 'x-differential-case';
const PROBE_HOST = hostOf('probe');
/** Mirrored copies may arrive after the answer: how long to wait for them before looking. */
const MIRROR_SETTLE_MS = 300;
/** Requests in flight per sidecar. */
const REQUEST_CONCURRENCY = 16;

export interface ClassResult extends ClassComparison {
  readonly caseId: string;
  readonly className: string;
}

export interface Sides {
  readonly istiod: SidecarEnvoy;
  readonly reconciler: SidecarEnvoy;
}

function markerRoute(caseId: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'probe', namespace: MESH_NAMESPACE },
    spec: {
      hosts: [PROBE_HOST],
      http: [{ match: [{ headers: { [MARKER_HEADER]: { exact: caseId } } }], route: [{ destination: { host: PROBE_HOST } }] }],
    },
  };
}

function toYaml(objects: readonly KubeObject[]): string {
  return objects.map((object) => JSON.stringify(object)).join('\n---\n');
}

/**
 * Each VirtualService of a case gets a first route that only the marker header matches, sending
 * it to the probe service; no other request carries that header, so the case's routes mean the same.
 */
function withMarker(object: KubeObject, caseId: string): KubeObject {
  if (object.kind !== 'VirtualService') return object;
  const marker = { match: [{ headers: { [MARKER_HEADER]: { exact: caseId } } }], route: [{ destination: { host: PROBE_HOST } }] };
  return { ...object, spec: { ...object.spec, http: [marker, ...(object.spec?.http ?? [])] } };
}

/** The first host of every VirtualService: where the marker of a case is asked for. */
function markedHosts(objects: readonly KubeObject[]): string[] {
  return objects.filter((object) => object.kind === 'VirtualService').map((object) => String(object.spec.hosts[0]));
}

async function answersMarker(sidecar: SidecarEnvoy, host: string, caseId: string): Promise<boolean> {
  const sent = await sendRequest(sidecar.listener, { path: '/', authority: host, headers: { [MARKER_HEADER]: caseId } }).catch(() => undefined);
  return sent?.outcome.answeredBy === 'probe/v1';
}

/**
 * Waits until `sidecar` serves the case: its marker answers on every host it routes, and the
 * previous case's marker no longer answers on hosts whose VirtualService the case removed.
 */
async function waitForCase(cluster: Cluster, sidecar: SidecarEnvoy, current: AppliedCase, previous: AppliedCase | undefined): Promise<void> {
  const removed = (previous?.hosts ?? []).filter((host) => !current.hosts.includes(host));
  await cluster.waitFor(`${sidecar.plane.side} to serve case ${current.id}`, async () => {
    for (const host of current.hosts) if (!await answersMarker(sidecar, host, current.id)) return false;
    for (const host of removed) if (await answersMarker(sidecar, host, previous!.id)) return false;
    return true;
  }, 60_000, 100);
}

interface AppliedCase {
  readonly id: string;
  readonly hosts: readonly string[];
}

let lastApplied: AppliedCase | undefined;

export async function applyCase(cluster: Cluster, sides: Sides, objects: readonly KubeObject[], caseId: string): Promise<void> {
  const probe = markerRoute(caseId);
  const marked = [...objects, probe].map((object) => (object === probe ? object : withMarker(object, caseId)));
  const current: AppliedCase = { id: caseId, hosts: markedHosts(marked) };
  await cluster.kubectl(['delete', 'virtualservices', '--all', '-n', MESH_NAMESPACE, '--wait=true']);
  await cluster.apply(toYaml(marked), 'differential-suite');
  await Promise.all([waitForCase(cluster, sides.istiod, current, lastApplied), waitForCase(cluster, sides.reconciler, current, lastApplied)]);
  lastApplied = current;
}

/** Outcomes of every class through one sidecar, classes in parallel; mirrored copies looked up after one settle. */
async function outcomesThrough(sidecar: SidecarEnvoy, backends: EchoBackends, classes: readonly RequestClass[]): Promise<RequestOutcome[][]> {
  const sent: SentRequest[][] = classes.map(() => []);
  const work = classes.flatMap((requestClass, index) => Array.from({ length: requestClass.repeat }, () => index));
  let next = 0;
  const lane = async () => {
    while (next < work.length) {
      const index = work[next++];
      sent[index].push(await sendRequest(sidecar.listener, classes[index].request));
    }
  };
  await Promise.all(Array.from({ length: Math.min(REQUEST_CONCURRENCY, work.length) }, lane));
  await new Promise((resolve) => setTimeout(resolve, MIRROR_SETTLE_MS));
  return sent.map((requests) => requests.map(({ outcome, requestId }) => {
    if (!requestId) return outcome;
    const copies = backends.arrivalsOf(requestId).filter((arrival) => arrival.backend !== outcome.answeredBy)
      .map((arrival) => `${arrival.backend} ${arrival.authority.replace(/:\d+$/, '')}`).sort().join(', ');
    return copies ? { ...outcome, copies } : outcome;
  }));
}

/** Runs the requests of cases already applied (one apply may serve several cases on distinct hosts). */
export async function runRequests(sides: Sides, backends: EchoBackends, cases: readonly DifferentialCase[]): Promise<ClassResult[]> {
  const classes = cases.flatMap((testCase) => testCase.requests.map((requestClass) => ({ caseId: testCase.id, requestClass })));
  const istiod = await outcomesThrough(sides.istiod, backends, classes.map((entry) => entry.requestClass));
  const reconciler = await outcomesThrough(sides.reconciler, backends, classes.map((entry) => entry.requestClass));
  return classes.map((entry, index) => ({
    caseId: entry.caseId, className: entry.requestClass.name, ...compareOutcomes(istiod[index], reconciler[index]),
  }));
}

export async function runCase(cluster: Cluster, sides: Sides, backends: EchoBackends, testCase: DifferentialCase): Promise<ClassResult[]> {
  await applyCase(cluster, sides, testCase.objects, testCase.id);
  return runRequests(sides, backends, [testCase]);
}
