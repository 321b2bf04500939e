/**
 * Awaiting a reconciler fix, so not part of `npm test` (jest runs `*.test.ts` only). Run it with
 *
 *   scripts/test-kubernetes.sh --testMatch '<rootDir>/test/kubernetes/*.awaiting-fix.ts'
 *
 * What fails: in Kubernetes mode a Service's endpoints come from its EndpointSlices, and the
 * reconciler treats EndpointSlice endpoints as workloads without a sidecar
 * (reconciler/src/xds/translate/security/extensions.ts, `destinationPeers`), even when the slice's
 * targetRef is an injected Pod. So auto-mTLS (no DestinationRule TLS mode, as under the default
 * PERMISSIVE mode) turns plaintext once the EndpointSlice controller has published the slice:
 * calls arrive without the caller's identity. (With MtlsPolicy STRICT the DestinationRule says
 * ISTIO_MUTUAL and mTLS holds.)
 */
import type { Cluster, PodRef } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';

const CLIENT_IDENTITY = 'spiffe://cluster.local/ns/frontend/sa/client';
const ref = (pod: Pod): PodRef => ({ namespace: pod.metadata.namespace!, name: pod.metadata.name });

/** The answers to `count` calls from the client app to hello, as [status, caller identity]. */
async function callHello(cluster: Cluster, client: Pod, count: number): Promise<[number | undefined, string | undefined][]> {
  const url = 'http://hello.backend.svc.cluster.local:9080/who';
  const call = await cluster.exec(ref(client), ['curl', '-s', `http://127.0.0.1:9080/call?url=${encodeURIComponent(url)}&n=${count}`]);
  const { calls } = JSON.parse(call.stdout) as { calls: { status?: number; body?: { caller?: string } }[] };
  return calls.map((answer) => [answer.status, answer.body?.caller]);
}

describe('auto-mTLS between injected pods behind EndpointSlices (PERMISSIVE, the default)', () => {
  let cluster: Cluster;
  let client: Pod;

  beforeAll(async () => {
    ({ cluster, client } = await startTwoNamespaceMesh('mtls-permissive', synthesizeTwoNamespaceMesh()));
    // Both pods' endpoints are in their EndpointSlices: the state a running cluster is in.
    await cluster.waitFor('ready endpoints in the EndpointSlices of hello and client', async () => {
      const slices = await cluster.api.list<{ endpoints?: { conditions?: { ready?: boolean } }[] }>('/apis/discovery.k8s.io/v1/endpointslices');
      return slices.items.filter((slice) => (slice.endpoints ?? []).some((endpoint) => endpoint.conditions?.ready)).length >= 3;
    });
  }, 420_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  test('GIVEN the slices published WHEN the client app calls hello THEN every call succeeds over mTLS with the client\'s SPIFFE identity', async () => {
    // Pushes are asynchronous: allow the reconciler a moment to converge, then require every call.
    const answers = await cluster.waitFor('calls carrying the client identity', async () => {
      const result = await callHello(cluster, client, 5);
      return result.every(([status, caller]) => status === 200 && caller === CLIENT_IDENTITY) ? result : undefined;
    }, 30_000, 1000).catch(async () => callHello(cluster, client, 5));
    expect(answers).toEqual(answers.map(() => [200, CLIENT_IDENTITY]));
  }, 120_000);
});
