/**
 * The one API server both control planes watch: the suite's Kubernetes environment (etcd,
 * kube-apiserver, kube-controller-manager; no pods run), the Istio CRDs, the benchmark mesh, and a
 * projected-style token per proxy for the reconciler's TokenReview.
 */
import { Cluster, startCluster } from '../../../test/kubernetes/cluster/cluster';
import { applyIstioCrds } from '../../../test/kubernetes/cluster/istio-crds';
import { sleep } from '../figures/figure';
import { BenchMeshScale, BenchPod, collectionPath, meshObjects, namespaces, podsOf, podStatus } from './mesh-objects';

/** The audience sidecars request their xDS token for (the reconciler's default, Istio's too). */
export const TOKEN_AUDIENCE = 'istio-ca';
/** How many API requests the harness keeps in flight while it writes the mesh. */
const WRITE_CONCURRENCY = 16;

/** Runs `work` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export async function startBenchCluster(): Promise<Cluster> {
  const cluster = await startCluster({ name: 'vs-istiod', runPods: false, tokenAudiences: [TOKEN_AUDIENCE] });
  try {
    await applyIstioCrds(cluster);
    for (const name of ['istio-system', 'mesh-system']) await cluster.api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** Writes the mesh (with the spare canary pods of the churn phase) and gives every pod its address and readiness. */
export async function writeMesh(cluster: Cluster, scale: BenchMeshScale, spares: readonly BenchPod[] = []): Promise<void> {
  const objects = meshObjects(scale, spares);
  // Pods need their ServiceAccount, and everything its Namespace: write in stages.
  const stages = [['Namespace'], ['ServiceAccount']];
  const staged = new Set(stages.flat());
  for (const kinds of [...stages, undefined]) {
    const batch = objects.filter((object) => (kinds ? kinds.includes(object.kind) : !staged.has(object.kind)));
    await forEachLimited(batch, WRITE_CONCURRENCY, async (object) => { await cluster.api.create(collectionPath(object), object); });
  }
  const pods = [...Array.from({ length: scale.services }, (_, index) => podsOf(index, scale)).flat(), ...spares];
  await forEachLimited(pods, WRITE_CONCURRENCY, async (pod) => {
    await cluster.api.patch(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, podStatus(pod), 'merge');
  });
}

/** The label kube-controller-manager's EndpointSlice controller puts on the slices it owns. */
const CONTROLLER_SLICE_SELECTOR = 'endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io';

/**
 * Waits until kube-controller-manager has written its own EndpointSlice for every service (empty:
 * no pod has a node). It writes about ten a second, so at 1 000 services it would otherwise still
 * be adding slices while the first runs measure, and both control planes would push for each.
 */
export async function waitForControllerSlices(cluster: Cluster, scale: BenchMeshScale, timeoutMs: number, log: (message: string) => void): Promise<void> {
  const benchNamespaces = new Set(namespaces(scale));
  const deadline = Date.now() + timeoutMs;
  let served = 0;
  for (;;) {
    const slices = await cluster.api.list<{ metadata: { namespace: string; labels?: Record<string, string> } }>(
      '/apis/discovery.k8s.io/v1/endpointslices', { labelSelector: CONTROLLER_SLICE_SELECTOR });
    served = new Set(slices.items.filter((slice) => benchNamespaces.has(slice.metadata.namespace))
      .map((slice) => `${slice.metadata.namespace}/${slice.metadata.labels?.['kubernetes.io/service-name']}`)).size;
    if (served >= scale.services) return;
    if (Date.now() > deadline) throw new Error(`kube-controller-manager wrote EndpointSlices for ${served} of ${scale.services} services in ${timeoutMs} ms`);
    log(`kube-controller-manager has written EndpointSlices for ${served} of ${scale.services} services`);
    await sleep(5000);
  }
}

/** A bound token per pod's service account, for the audience the reconciler reviews. */
export async function serviceAccountTokens(cluster: Cluster, pods: readonly BenchPod[]): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  await forEachLimited(pods, WRITE_CONCURRENCY, async (pod) => {
    const request = await cluster.api.create<{ status: { token: string } }>(`/api/v1/namespaces/${pod.namespace}/serviceaccounts/${pod.serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [TOKEN_AUDIENCE], expirationSeconds: 4 * 3600 },
    });
    tokens.set(pod.name, request.status.token);
  });
  return tokens;
}
