/**
 * The synthesized mesh on a real cluster once the EndpointSlice controller lists the pods:
 * 1. auto-mTLS holds behind EndpointSlices (a slice endpoint of an injected Pod is called with
 *    mTLS and the caller's identity arrives), and
 * 2. a cluster update never waits out Envoy's 15 s initial fetch timeout for its endpoints (the
 *    reconciler answers Envoy's endpoint request after every cluster push).
 */
import type { Cluster, PodRef } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';
import { SIDECAR_PORTS } from '../../src/model';

const CLIENT_IDENTITY = 'spiffe://cluster.local/ns/frontend/sa/client';
const ref = (pod: Pod): PodRef => ({ namespace: pod.metadata.namespace!, name: pod.metadata.name });

let cluster: Cluster;
let client: Pod;

/** The answers to `count` calls from the client app to hello, as [status, caller identity]. */
async function callHello(count: number): Promise<[number | undefined, string | undefined][]> {
  const url = 'http://hello.backend.svc.cluster.local:9080/who';
  const call = await cluster.exec(ref(client), ['curl', '-s', `http://127.0.0.1:9080/call?url=${encodeURIComponent(url)}&n=${count}`]);
  const { calls } = JSON.parse(call.stdout) as { calls: { status?: number; body?: { caller?: string } }[] };
  return calls.map((answer) => [answer.status, answer.body?.caller]);
}

beforeAll(async () => {
  ({ cluster, client } = await startTwoNamespaceMesh('reconciler-fixes', synthesizeTwoNamespaceMesh()));
  // Both Services' EndpointSlices list their pod as ready: the state a running cluster is in.
  for (const [namespace, service] of [['backend', 'hello'], ['frontend', 'client']]) {
    await cluster.waitFor(`a ready endpoint in the EndpointSlice of ${namespace}/${service}`, async () => {
      const slices = await cluster.api.list<{ endpoints?: { conditions?: { ready?: boolean } }[] }>(
        `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, { labelSelector: `kubernetes.io/service-name=${service}` });
      return slices.items.some((slice) => (slice.endpoints ?? []).some((endpoint) => endpoint.conditions?.ready));
    });
  }
  // The reconciler pushes within its 20 ms debounce; then the client's Envoy applies the change
  // once no cluster is warming any more (up to its 15 s initial fetch timeout, see 2.).
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await cluster.waitFor('no warming clusters in the client proxy', async () => {
    const dump = await cluster.exec(ref(client), ['curl', '-s', `http://127.0.0.1:${SIDECAR_PORTS.admin}/config_dump?resource=dynamic_warming_clusters`],
      { container: 'istio-proxy' });
    return ((JSON.parse(dump.stdout) as { configs?: unknown[] }).configs ?? []).length === 0;
  }, 60_000, 500);
}, 480_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('Kubernetes mode with the EndpointSlice controller (regressions found on a real cluster)', () => {
  test('GIVEN the slices published WHEN the client app calls hello (PERMISSIVE, no DestinationRule TLS) THEN every call uses mTLS with the client\'s SPIFFE identity', async () => {
    const answers = await callHello(5);
    expect(answers).toEqual(answers.map(() => [200, CLIENT_IDENTITY]));
  }, 60_000);

  test('GIVEN clusters updated after the slices changed WHEN Envoy re-requests their endpoints THEN it gets them without waiting for its initial fetch timeout', () => {
    expect(cluster.logs(ref(client), 'istio-proxy')).not.toContain('initial fetch timed out');
  });
});
