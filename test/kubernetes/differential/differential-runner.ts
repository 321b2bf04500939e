/**
 * Runs differential cases through both control planes: the case's objects replace the previous
 * case's VirtualServices, a marker route in each tells when each side serves them, then every
 * request class goes through istiod's sidecar and the reconciler's.
 */
import type { DifferentialCase, RequestClass } from './differential-case';
import type { EchoBackends } from './echo-backends';
import { hostOf, MESH_NAMESPACE } from './mesh-under-test';
import { ClassComparison, compareOutcomes } from './outcome-comparison';
import { awaitResponseFlags, taggedRequest } from './request-log';
import { RequestOutcome, SentRequest, sendRequest } from './request-outcome';
import type { SidecarEnvoy } from './sidecar-envoy';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';
import type { Cluster } from '../../../test/kubernetes/cluster/cluster';

export const MARKER_HEADER = 'x-differential-case';
export const PROBE_HOST = hostOf('probe');
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
async function waitForCase(
  cluster: Cluster, sidecar: SidecarEnvoy, current: AppliedCase, previous: AppliedCase | undefined, timeoutMs: number,
): Promise<void> {
  const removed = (previous?.hosts ?? []).filter((host) => !current.hosts.includes(host));
  await cluster.waitFor(`${sidecar.plane.side} to serve case ${current.id}`, async () => {
    for (const host of current.hosts) if (!await answersMarker(sidecar, host, current.id)) return false;
    for (const host of removed) if (await answersMarker(sidecar, host, previous!.id)) return false;
    return true;
  }, timeoutMs, 100);
}

interface AppliedCase {
  readonly id: string;
  readonly hosts: readonly string[];
}

let lastApplied: AppliedCase | undefined;

export interface ApplyOptions {
  /** Bounds the wait for both sides to serve the case (a side may refuse the objects). */
  readonly timeoutMs?: number;
  /** Clusters both sides must hold with endpoints before the case counts as served. */
  readonly clusters?: readonly string[];
  /** VirtualService hosts the sides are not given (not bound to them): no marker is asked for there. */
  readonly unmarkedHosts?: readonly string[];
}

/** Kinds a case may add beside its VirtualServices; the next case starts without them. */
const CASE_KINDS = ['serviceentries', 'workloadentries'];
/**
 * Kinds the fixed mesh has objects of too (a DestinationRule per service, the guarded pods'
 * Sidecar, the authorization cases' policies): only those a case applied are deleted, by name.
 */
const CASE_NAMED_KINDS: Readonly<Record<string, string>> = {
  DestinationRule: 'destinationrules', Sidecar: 'sidecars', AuthorizationPolicy: 'authorizationpolicies', RequestAuthentication: 'requestauthentications',
};
let caseNamed: readonly KubeObject[] = [];

async function holdsClusters(sidecar: SidecarEnvoy, clusters: readonly string[]): Promise<boolean> {
  const endpoints = await sidecar.endpointsPerCluster();
  return clusters.every((name) => (endpoints.get(name) ?? 0) > 0);
}

/**
 * Applies a case's objects and waits until both sides serve them. Objects other than
 * VirtualServices go first, and the case's clusters must be there before the VirtualServices
 * (with their markers) follow: a marker that answers then means the whole case is served.
 */
export async function applyCase(
  cluster: Cluster, sides: Sides, objects: readonly KubeObject[], caseId: string, options: ApplyOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const probe = markerRoute(caseId);
  const routes = objects.filter((object) => object.kind === 'VirtualService');
  const others = objects.filter((object) => object.kind !== 'VirtualService');
  const marked = [...routes.map((object) => withMarker(object, caseId)), probe];
  const current: AppliedCase = { id: caseId, hosts: markedHosts(marked).filter((host) => !options.unmarkedHosts?.includes(host)) };
  await cluster.kubectl(['delete', ['virtualservices', ...CASE_KINDS].join(','), '--all', '-n', MESH_NAMESPACE, '--wait=true']);
  for (const [kind, resource] of Object.entries(CASE_NAMED_KINDS)) {
    const names = caseNamed.filter((object) => object.kind === kind).map((object) => object.metadata.name);
    if (names.length > 0) await cluster.kubectl(['delete', resource, '-n', MESH_NAMESPACE, ...names, '--ignore-not-found', '--wait=true']);
  }
  caseNamed = others.filter((object) => object.kind in CASE_NAMED_KINDS);
  const previous = lastApplied;
  // Set before waiting: whatever a side ends up serving, the previous case's objects are gone from the API server.
  lastApplied = current;
  if (others.length > 0) await cluster.apply(toYaml(others), 'differential-suite');
  const clusters = options.clusters ?? [];
  if (clusters.length > 0) {
    await Promise.all([sides.istiod, sides.reconciler].map((sidecar) =>
      cluster.waitFor(`${sidecar.plane.side} to hold the clusters of case ${caseId}`, () => holdsClusters(sidecar, clusters), timeoutMs, 100)));
  }
  await cluster.apply(toYaml(marked), 'differential-suite');
  await Promise.all([sides.istiod, sides.reconciler].map((sidecar) => waitForCase(cluster, sidecar, current, previous, timeoutMs)));
}

interface LoggedRequest extends SentRequest {
  /** The id the request carried in its access log line; none when no HTTP request got through. */
  readonly logId?: string;
}

/**
 * Outcomes of every class through one sidecar, classes in parallel; mirrored copies looked up
 * after one settle, response flags from the sidecar's access log.
 */
async function outcomesThrough(sidecar: SidecarEnvoy, backends: EchoBackends, classes: readonly RequestClass[]): Promise<RequestOutcome[][]> {
  const sent: LoggedRequest[][] = classes.map(() => []);
  const work = classes.flatMap((requestClass, index) => Array.from({ length: requestClass.repeat }, () => index));
  let next = 0;
  const lane = async () => {
    while (next < work.length) {
      const index = work[next++];
      const { request, logId } = taggedRequest(classes[index].request, sidecar.plane.side);
      sent[index].push(await sendRequest(sidecar.listener, request).then((answer): LoggedRequest => ({ ...answer, logId })).catch((error: Error) => {
        // Over TLS a refused handshake is an outcome to compare (no server name matched, no certificate yet).
        if (!sidecar.listener.tls) throw error;
        return { outcome: { status: 0, answeredBy: `connection failed (${(error as NodeJS.ErrnoException).code ?? error.message})`, caseHeaders: '' } };
      }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(REQUEST_CONCURRENCY, work.length) }, lane));
  await new Promise((resolve) => setTimeout(resolve, MIRROR_SETTLE_MS));
  const flags = await awaitResponseFlags(sidecar.logFile, sent.flat().flatMap((request) => (request.logId ? [request.logId] : [])));
  return sent.map((requests) => requests.map(({ outcome, requestId, logId }) => {
    const logged = logId ? { ...outcome, flags: flags.get(logId) } : outcome;
    if (!requestId) return logged;
    const copies = backends.arrivalsOf(requestId).filter((arrival) => arrival.backend !== outcome.answeredBy)
      .map((arrival) => `${arrival.backend} ${arrival.authority.replace(/:\d+$/, '')}`).sort().join(', ');
    return copies ? { ...logged, copies } : logged;
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

/** `unmarkedHosts`: hosts besides the case's own `unmarkedHosts` where these sides serve no marker (a router and the mesh's probe). */
export async function runCase(
  cluster: Cluster, sides: Sides, backends: EchoBackends, testCase: DifferentialCase, unmarkedHosts: readonly string[] = [],
): Promise<ClassResult[]> {
  const unmarked = [...unmarkedHosts, ...testCase.unmarkedHosts ?? []];
  await applyCase(cluster, sides, testCase.objects, testCase.id, { clusters: testCase.clusters, unmarkedHosts: unmarked });
  return runRequests(sides, backends, [testCase]);
}
