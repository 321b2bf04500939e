/**
 * Scenario 5: changes made through the API while the mesh runs reach the Envoys without restarts.
 * On the two-namespace mesh (client in `frontend` calls hello in `backend`):
 * 1. a `kubectl apply` of an edited VirtualService reaches both Envoys (both route to hello),
 * 2. scaling hello's Deployment adds the new pod's endpoint (EndpointSlice controller → reconciler
 *    → the client's Envoy) and calls reach the new pod,
 * 3. deleting a pod removes its endpoint,
 * 4. a token of another service account is refused the identity (and so the certificate) it claims,
 * 5. an object the CRD accepts but the reconciler rejects, written where the webhook does not look,
 *    is reported in the log, the metrics, /debug/rejected and a Warning Event on the object.
 * The tests run in order: each starts from the state the previous one left.
 */
import type { Cluster } from './cluster/cluster';
import { parseYamlDocuments } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { answeringPods, callFrom, envoyAdmin, envoyEndpoints, podRef, reconcilerMetric, reconcilerOps } from './support/mesh-observation';
import { replicaXdsTarget, sidecarIdentity } from './support/replica-views';
import { startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';
import { fetchServedConfig } from './support/xds-probe';
import { TYPE_URLS } from '../../reconciler/src/push/contract';
import { TestAdsStream } from '../../reconciler/test/support/ads-client';
import { buildBootstrapNode, XDS_CREDENTIALS } from '../../src/model';

const HELLO_HOST = 'hello.backend.svc.cluster.local';
const HELLO_URL = `http://${HELLO_HOST}:9080/live`;

const yaml = synthesizeTwoNamespaceMesh();
let cluster: Cluster;
let reconcilers: Pod[];
let hello: Pod;
let client: Pod;

/** The Ready, not terminating hello pods. */
async function livePods(): Promise<Pod[]> {
  return cluster.waitForPods('backend', 'app=hello');
}

/** Waits until the client's Envoy holds exactly the endpoints `addresses` for hello. */
async function waitForHelloEndpoints(addresses: readonly string[], intervalMs = 500): Promise<string[]> {
  const wanted = addresses.map((address) => `${address}:9080`).sort();
  let seen: string[] = [];
  try {
    return await cluster.waitFor(`the client's Envoy to hold hello endpoints ${wanted.join(', ')}`, async () => {
      seen = await envoyEndpoints(cluster, client, HELLO_HOST);
      return JSON.stringify(seen) === JSON.stringify(wanted) ? seen : undefined;
    }, 60_000, intervalMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; it holds ${seen.join(', ') || 'none'}`);
  }
}

beforeAll(async () => {
  ({ cluster, reconcilers, hello, client } = await startTwoNamespaceMesh('live-changes', yaml));
  // The starting point every test changes: the client's Envoy has hello's one pod.
  await waitForHelloEndpoints([hello.status!.podIP!]);
}, 420_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('live changes through the Kubernetes API', () => {
  test('GIVEN hello\'s VirtualService WHEN an edited version adding a route is applied with kubectl THEN every Envoy holds the route and the client\'s calls matching it get its answer', async () => {
    const virtualService = parseYamlDocuments(yaml).find((object) => object.kind === 'VirtualService' && object.metadata.name === 'hello')!;
    const defaultRoutes = virtualService.spec.http as Record<string, unknown>[];
    // Before the edit, a request with the header is an ordinary call.
    expect((await callFrom(cluster, client, HELLO_URL, 1, ['x-live-change: teapot'])).map((answer) => answer.status)).toEqual([200]);

    // A new first route: requests with the header are answered 418 by the caller's Envoy (a fault).
    const edited = {
      ...virtualService,
      spec: { ...virtualService.spec, http: [{ match: [{ headers: { 'x-live-change': { exact: 'teapot' } } }], fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, route: defaultRoutes[0].route }, ...defaultRoutes] },
    };
    await cluster.apply(JSON.stringify(edited));

    // Both Envoys route to hello (hello's own sidecar holds its outbound routes too).
    for (const pod of [client, hello]) {
      await cluster.waitFor(`${pod.metadata.name}'s Envoy to hold the new route`, async () =>
        (await envoyAdmin(cluster, pod, '/config_dump?resource=dynamic_route_configs')).includes('x-live-change'), 30_000, 500);
    }
    // The route is active in the client's Envoy, so the fault answers before hello is called.
    expect(answeringPods(await callFrom(cluster, client, HELLO_URL, 3, ['x-live-change: teapot']))).toEqual(['<418>', '<418>', '<418>']);
    // The edit added a route; the others still lead to hello.
    expect(answeringPods(await callFrom(cluster, client, HELLO_URL, 2))).toEqual([hello.metadata.name, hello.metadata.name]);
  }, 90_000);

  test('GIVEN hello with one replica WHEN its Deployment is scaled to two THEN the client\'s Envoy gets the new pod\'s endpoint and calls reach both pods', async () => {
    await cluster.kubectl(['scale', 'deployment/hello-v1', '--namespace=backend', '--replicas=2']);
    const pods = await cluster.waitForPods('backend', 'app=hello', { count: 2, timeoutMs: 90_000 });
    const added = pods.find((pod) => pod.metadata.name !== hello.metadata.name)!;

    await waitForHelloEndpoints(pods.map((pod) => pod.status!.podIP!));
    // Round robin over two endpoints: a handful of calls reaches both.
    const answered = await cluster.waitFor('calls to reach the new pod', async () => {
      const names = answeringPods(await callFrom(cluster, client, HELLO_URL, 6));
      return names.includes(added.metadata.name) ? names : undefined;
    }, 20_000, 500);
    expect([...new Set(answered)].sort()).toEqual(pods.map((pod) => pod.metadata.name).sort());
  }, 150_000);

  test('GIVEN hello with two pods WHEN one is deleted THEN its endpoint leaves the client\'s Envoy before its replacement joins, and calls no longer reach it', async () => {
    const [deleted] = (await livePods()).filter((pod) => pod.metadata.name !== hello.metadata.name);
    await cluster.kubectl(['delete', 'pod', deleted.metadata.name, '--namespace=backend', '--wait=false']);

    // The ReplicaSet starts a replacement at once, but it joins only once Ready (sidecar up, probe
    // passed): well after the deleted pod's endpoint, marked terminating, has been withdrawn. Seeing
    // only the remaining pod in between shows the removal even if the replacement reuses the address.
    await waitForHelloEndpoints([hello.status!.podIP!], 200);
    const pods = (await cluster.waitForPods('backend', 'app=hello', { count: 2, timeoutMs: 90_000 })).filter((pod) => pod.metadata.name !== deleted.metadata.name);
    expect(pods).toHaveLength(2);
    await waitForHelloEndpoints(pods.map((pod) => pod.status!.podIP!));
    expect(answeringPods(await callFrom(cluster, client, HELLO_URL, 6))).not.toContain(deleted.metadata.name);
  }, 150_000);

  test('GIVEN a token the API server issued for hello\'s service account WHEN it is presented at the TLS xDS port for a proxy claiming the client\'s THEN the stream is refused before any certificate is sent', async () => {
    const [reconciler] = reconcilers;
    const tokenOf = async (namespace: string, serviceAccount: string) =>
      (await cluster.kubectl(['create', 'token', serviceAccount, `--namespace=${namespace}`, `--audience=${XDS_CREDENTIALS.tokenAudience}`, '--duration=10m'])).trim();
    const sidecar = await sidecarIdentity(cluster, client);
    const { node } = sidecar;
    const target = replicaXdsTarget(reconciler, sidecar);

    // The control: the client's own token is served for this node, so the refusal below is about the token's owner.
    const served = await fetchServedConfig({ ...target, token: await tokenOf('frontend', 'client') }, node);
    expect(served.clusters.resources.length).toBeGreaterThan(0);

    const stream = TestAdsStream.openTls(target.address, target, 'sotw', { authorization: `Bearer ${await tokenOf('backend', 'hello')}` });
    try {
      stream.send({ node: buildBootstrapNode(node), type_url: TYPE_URLS.secret, resource_names: ['default'] });
      const outcome = await Promise.race([
        stream.failed(),
        stream.next(20_000).then((response) => new Error(`served ${response.type_url} with ${response.resources.length} resource(s)`)),
      ]) as Error & { code?: number };
      expect(outcome.code).toBe(7); // PERMISSION_DENIED
      expect(outcome.message).toContain('claims service account frontend/client but its token belongs to backend/hello');
    } finally {
      stream.close();
    }
  }, 60_000);

  test('GIVEN a namespace the webhook does not cover WHEN a VirtualService whose weights sum to 90 is applied THEN every replica rejects it and reports it in its log, metrics and /debug/rejected, with a Warning Event on the object', async () => {
    const rejectedBefore = await Promise.all(reconcilers.map((pod) => reconcilerMetric(pod, 'reconciler_rejected_objects')));
    // The webhook's namespaceSelector lists only the mesh's namespaces, so the API server admits this
    // without asking it; the CRD has no rule about weight sums.
    await cluster.apply(JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'uneven-split', namespace: 'default' },
      spec: {
        hosts: ['uneven.default.svc.cluster.local'],
        http: [{ route: [{ destination: { host: 'uneven-a.default.svc.cluster.local' }, weight: 60 }, { destination: { host: 'uneven-b.default.svc.cluster.local' }, weight: 30 }] }],
      },
    }));
    const written = await cluster.api.get('/apis/networking.istio.io/v1/namespaces/default/virtualservices/uneven-split');

    for (const [index, pod] of reconcilers.entries()) {
      const rejection = await cluster.waitFor(`${pod.metadata.name} to list the VirtualService in /debug/rejected`, async () => {
        const { rejected } = JSON.parse((await reconcilerOps(pod, '/debug/rejected')).body) as { rejected: { kind: string; namespace?: string; name?: string; reasons: string[] }[] };
        return rejected.find((entry) => entry.kind === 'VirtualService' && entry.namespace === 'default' && entry.name === 'uneven-split');
      }, 30_000, 500);
      expect(rejection.reasons.join('\n')).toContain('spec.http[0].route weights sum to 90 (60 + 30); they must sum to 100');
      expect(await reconcilerMetric(pod, 'reconciler_rejected_objects')).toBe((rejectedBefore[index] ?? 0) + 1);
      const logLines = cluster.logs(podRef(pod), 'reconciler').split('\n').filter((line) => line.includes('"msg":"config rejected"') && line.includes('uneven-split'));
      expect(logLines.length).toBeGreaterThan(0);
    }

    // Both replicas derive the same Event name, so the object gets one Event.
    const events = await cluster.waitFor('a Warning Event on the VirtualService', async () => {
      type Event = { type: string; reason: string; message: string; involvedObject: { kind: string; name: string; uid?: string } };
      const list = await cluster.api.list<Event>('/api/v1/namespaces/default/events', { fieldSelector: 'involvedObject.name=uneven-split' });
      return list.items.length > 0 ? list.items : undefined;
    }, 30_000, 500);
    expect(events.map((event) => [event.type, event.reason, event.involvedObject.kind, event.involvedObject.uid])).toEqual(
      [['Warning', 'Rejected', 'VirtualService', written.metadata.uid]]);
    expect(events[0].message).toContain('weights sum to 90');
  }, 90_000);
});
