/**
 * Scenario 9: admission. The reconciler's validating webhook, called by the real API server, keeps
 * out what the Istio CRD accepts but the reconciler would reject (weights that do not sum to 100, a
 * subset no DestinationRule defines), with the reconciler's reason in kubectl's error. While the
 * webhook cannot be reached, `failurePolicy` decides: the Mesh default (Ignore) stores the object,
 * Fail refuses it. An invalid object stored that way is rejected by every replica, which keep
 * serving the last accepted version, also after a restart, and it gets a Warning Event; the same
 * holds when the edit was stored while every replica was down.
 */
import type { Cluster, PodRef } from './cluster/cluster';
import { parseYamlDocuments } from './cluster/cluster';
import type { CommandResult } from './cluster/command';
import type { Pod } from './node-agent/pod-types';
import { fetchServedRoutes, replicaDebug, replicaMetric, routeNames, SidecarIdentity, sidecarIdentity } from './support/replica-views';
import { MESH_NAMESPACE, startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';
import { AdmissionFailurePolicy } from '../../src';
import { clusterScopedName, LAST_ACCEPTED_CONFIG_MAP, RECONCILER_NAME, WEBHOOK_NAME } from '../../src/model';

const HELLO_HOST = 'hello.backend.svc.cluster.local';
const HELLO_VS = '/apis/networking.istio.io/v1/namespaces/backend/virtualservices/hello';
/** The client's outbound route configuration for port 9080, and hello's virtual host in it. */
const ROUTE_CONFIGURATION = '9080';
const HELLO_VIRTUAL_HOST = `${HELLO_HOST}:9080`;
const WEBHOOK_CONFIGURATION = clusterScopedName(MESH_NAMESPACE);
/** A selector label no pod has: the webhook Service loses its endpoints while the replicas keep running. */
const UNREACHABLE_SELECTOR = 'admission-test/unreachable';

// Edits of the synthesized VirtualService `hello`, applied with its field manager as a user re-applies YAML.
const ACCEPTED_ROUTES = [{ name: 'checked', route: [{ destination: { host: HELLO_HOST, subset: 'v1' } }] }];
const WEIGHTS_95 = [{ name: 'unchecked', route: [{ destination: { host: HELLO_HOST, subset: 'v1' }, weight: 90 }, { destination: { host: HELLO_HOST }, weight: 5 }] }];
const UNDEFINED_SUBSET = [{ name: 'unchecked', route: [{ destination: { host: HELLO_HOST, subset: 'v2' } }] }];
// The reconciler's own messages (reconciler/src/config/semantic-checks.ts), each after the object's name and origin.
const HELLO_ORIGIN = 'VirtualService backend/hello (kubernetes:VirtualService/backend/hello): ';
const WEIGHTS_REASON = 'spec.http[0].route weights sum to 95 (90 + 5); they must sum to 100';
/** Added to a rejection while an earlier version is served instead (reconciler/src/config/last-good.ts). */
const HELD_BACK_NOTE = 'the previously accepted version stays in effect until this is fixed';
const SUBSET_REASON = `spec.http[0].route[0].destination.subset is 'v2' for host '${HELLO_HOST}', but defined subsets are v1; `
  + 'add the subset to the host\'s DestinationRule or route to an existing one';

let cluster: Cluster;
let reconcilers: Pod[];
let client: SidecarIdentity;
let clientPod: Pod;
const defaultYaml = synthesizeTwoNamespaceMesh();

const ref = (pod: Pod): PodRef => ({ namespace: pod.metadata.namespace!, name: pod.metadata.name });

function helloVirtualService(http: unknown[]): string {
  return JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'hello', namespace: 'backend' }, spec: { hosts: [HELLO_HOST], http } });
}

function applyResult(yaml: string, ...flags: string[]): Promise<CommandResult> {
  return cluster.kubectlResult(['apply', '--server-side', '--field-manager=cdk8s-mesh-test', ...flags, '-f', '-'], yaml);
}

/** The ValidatingWebhookConfiguration of a synthesized mesh, as JSON to apply. */
function webhookConfigurationOf(yaml: string): string {
  return JSON.stringify(parseYamlDocuments(yaml).find((object) => object.kind === 'ValidatingWebhookConfiguration'));
}

/** The documents of a synthesized mesh with the webhook's failurePolicy left out. */
function withoutFailurePolicy(yaml: string): Record<string, any>[] {
  return parseYamlDocuments(yaml).map((object) => object.kind !== 'ValidatingWebhookConfiguration' ? object
    : { ...object, webhooks: object.webhooks.map(({ failurePolicy: _, ...webhook }: Record<string, unknown>) => webhook) });
}

async function storedRouteNames(): Promise<string[]> {
  const stored = await cluster.api.get<{ spec: { http: { name: string }[] } }>(HELLO_VS);
  return stored.spec.http.map((route) => route.name);
}

/** Hello's routes as `replica` serves them to the client's sidecar. */
async function servedHelloRoutes(replica: Pod): Promise<string[] | undefined> {
  const routes = await fetchServedRoutes(replica, client, [ROUTE_CONFIGURATION]);
  return routeNames(routes[ROUTE_CONFIGURATION], HELLO_VIRTUAL_HOST);
}

async function admittedReviews(): Promise<number> {
  const counts = await Promise.all(reconcilers.map((replica) => replicaMetric(replica, 'reconciler_admission_reviews_total{allowed="true"}')));
  return counts.reduce((sum, count) => sum + count, 0);
}

async function readyWebhookEndpoints(): Promise<number> {
  const slices = await cluster.api.list<{ endpoints?: { conditions?: { ready?: boolean } }[] }>(
    `/apis/discovery.k8s.io/v1/namespaces/${MESH_NAMESPACE}/endpointslices`, { labelSelector: `kubernetes.io/service-name=${RECONCILER_NAME}` });
  return slices.items.flatMap((slice) => slice.endpoints ?? []).filter((endpoint) => endpoint.conditions?.ready).length;
}

interface RejectedView {
  rejected: { kind: string; namespace?: string; name?: string; reasons: string[] }[];
}

async function rejectedHello(replica: Pod): Promise<string[] | undefined> {
  const view = await replicaDebug<RejectedView>(replica, '/debug/rejected');
  return view.rejected.find((entry) => entry.kind === 'VirtualService' && entry.namespace === 'backend' && entry.name === 'hello')?.reasons;
}

beforeAll(async () => {
  ({ cluster, reconcilers, client: clientPod } = await startTwoNamespaceMesh('admission', defaultYaml));
  client = await sidecarIdentity(cluster, clientPod);
  // The API server can call the webhook once the reconciler set its caBundle and its pods are endpoints.
  await cluster.waitFor('the webhook caBundle', async () => {
    const configuration = await cluster.api.get<{ webhooks: { clientConfig: { caBundle?: string } }[] }>(
      `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK_CONFIGURATION}`);
    return !!configuration.webhooks[0].clientConfig.caBundle;
  });
  await cluster.waitFor('two ready webhook endpoints', async () => await readyWebhookEndpoints() === 2);
  // With Ignore, a webhook the API server cannot call yet (caBundle not picked up) would admit anything silently.
  await cluster.waitFor('the API server to reach the webhook', async () => {
    const before = await admittedReviews();
    await applyResult(helloVirtualService(ACCEPTED_ROUTES), '--dry-run=server');
    return await admittedReviews() > before;
  });
}, 420_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('the validating admission webhook on a real API server', () => {
  test('GIVEN the webhook serving WHEN a valid edit of the VirtualService is applied THEN the webhook admits it and both replicas serve its route', async () => {
    const before = await admittedReviews();
    expect((await applyResult(helloVirtualService(ACCEPTED_ROUTES))).code).toBe(0);
    expect(await admittedReviews()).toBeGreaterThan(before);
    for (const replica of reconcilers) {
      await cluster.waitFor(`${replica.metadata.name} to serve the accepted route`, async () =>
        JSON.stringify(await servedHelloRoutes(replica)) === JSON.stringify(['checked']), 30_000);
    }
  });

  test('GIVEN the webhook serving WHEN route weights summing to 95 are applied THEN kubectl fails with the reconciler\'s reason and the stored version is unchanged', async () => {
    const result = await applyResult(helloVirtualService(WEIGHTS_95));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`admission webhook "${WEBHOOK_NAME}" denied the request: ${HELLO_ORIGIN}${WEIGHTS_REASON}`);
    expect(await storedRouteNames()).toEqual(['checked']);
  });

  test('GIVEN the webhook serving WHEN a route to a subset no DestinationRule defines is applied THEN kubectl fails naming the subset and the defined ones', async () => {
    const result = await applyResult(helloVirtualService(UNDEFINED_SUBSET));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`admission webhook "${WEBHOOK_NAME}" denied the request: ${HELLO_ORIGIN}${SUBSET_REASON}`);
    expect(await storedRouteNames()).toEqual(['checked']);
  });

  test('GIVEN the webhook Service without endpoints and a mesh synthesized with AdmissionFailurePolicy.FAIL WHEN the invalid edit is applied THEN the API server refuses it for the unreachable webhook', async () => {
    await cluster.api.patch(`/api/v1/namespaces/${MESH_NAMESPACE}/services/${RECONCILER_NAME}`, { spec: { selector: { [UNREACHABLE_SELECTOR]: 'true' } } });
    await cluster.waitFor('no ready webhook endpoint', async () => await readyWebhookEndpoints() === 0);
    const failMesh = synthesizeTwoNamespaceMesh(undefined, { admissionFailurePolicy: AdmissionFailurePolicy.FAIL });
    // The FAIL mesh differs only in its webhook, so applying that object alone makes the cluster run the FAIL mesh.
    expect(withoutFailurePolicy(failMesh)).toEqual(withoutFailurePolicy(defaultYaml));
    await cluster.apply(webhookConfigurationOf(failMesh));
    // The API server resolves endpoints only when it dials: it keeps using its keep-alive connections to the
    // running replicas until they go idle (the reconciler's HTTPS server closes them after Node's 5 s), so
    // the probe leaves more than that between attempts.
    await cluster.waitFor('the API server to fail the call', async () => {
      const dryRun = await applyResult(helloVirtualService(WEIGHTS_95), '--dry-run=server');
      if (!dryRun.stderr.includes(`failed calling webhook "${WEBHOOK_NAME}"`)) throw new Error(`dry run: ${dryRun.code} ${dryRun.stderr}`);
      return true;
    }, 30_000, 6000);

    const result = await applyResult(helloVirtualService(WEIGHTS_95));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
    expect(result.stderr).toContain(`no endpoints available for service "${RECONCILER_NAME}"`);
    expect(await storedRouteNames()).toEqual(['checked']);
  });

  test('GIVEN the webhook unreachable and the Mesh default AdmissionFailurePolicy.IGNORE WHEN the invalid edit is applied THEN it is stored, and both running replicas reject it and keep serving the accepted route', async () => {
    await cluster.apply(webhookConfigurationOf(defaultYaml));
    // The API server reads webhook configurations from its watch cache: wait until the change arrived.
    await cluster.waitFor('the API server to use the Ignore policy', async () => {
      const dryRun = await applyResult(helloVirtualService(WEIGHTS_95), '--dry-run=server');
      if (dryRun.code !== 0) throw new Error(`dry run: ${dryRun.code} ${dryRun.stderr}`);
      return true;
    });

    const result = await applyResult(helloVirtualService(WEIGHTS_95));
    expect(result.code).toBe(0);
    expect(await storedRouteNames()).toEqual(['unchecked']);
    for (const replica of reconcilers) {
      await cluster.waitFor(`${replica.metadata.name} to reject the stored edit`, async () => (await rejectedHello(replica))?.includes(HELLO_ORIGIN + WEIGHTS_REASON), 30_000);
      expect(await servedHelloRoutes(replica)).toEqual(['checked']);
    }
    // What a restarted replica will load: the accepted version, held back while the stored one is rejected.
    const held = await cluster.waitFor(`the accepted version in ConfigMap ${LAST_ACCEPTED_CONFIG_MAP}`, async () => {
      const configMap = await cluster.api.find<{ data?: Record<string, string> }>(`/api/v1/namespaces/${MESH_NAMESPACE}/configmaps/${LAST_ACCEPTED_CONFIG_MAP}`);
      return Object.values(configMap?.data ?? {}).find((entry) => entry.includes('"hello"') && entry.includes('VirtualService'));
    }, 30_000);
    expect(held).toContain('"checked"');
    expect(held).not.toContain('"unchecked"');
  });

  test('GIVEN the invalid edit stored WHEN both replicas are restarted THEN each new replica serves the accepted route, reports the edit in /debug/rejected, and the VirtualService has one Warning Event with the reason', async () => {
    await cluster.api.patch(`/api/v1/namespaces/${MESH_NAMESPACE}/services/${RECONCILER_NAME}`, { spec: { selector: { [UNREACHABLE_SELECTOR]: null } } });
    const before = new Set(reconcilers.map((pod) => pod.metadata.name));
    for (const pod of reconcilers) await cluster.api.delete(`/api/v1/namespaces/${MESH_NAMESPACE}/pods/${pod.metadata.name}`);
    const restarted = await cluster.waitForPods(MESH_NAMESPACE, 'app=mesh-reconciler', { count: 2, timeoutMs: 90_000 });
    expect(restarted.filter((pod) => before.has(pod.metadata.name))).toEqual([]);

    for (const replica of restarted) {
      expect(cluster.logs(ref(replica), 'reconciler')).toContain('last accepted versions loaded');
      // Ready means its first push is built: from then on it serves the accepted route.
      expect(await servedHelloRoutes(replica)).toEqual(['checked']);
      expect(await rejectedHello(replica)).toEqual([HELLO_ORIGIN + WEIGHTS_REASON, HELD_BACK_NOTE]);
    }
    const events = await cluster.api.list<{ type: string; reason: string; message: string }>('/api/v1/namespaces/backend/events', {
      fieldSelector: 'involvedObject.kind=VirtualService,involvedObject.name=hello,reason=Rejected',
    });
    // The Event's name derives from the object and the reason: four replicas over time, one Event.
    expect(events.items.map((event) => [event.type, event.message])).toEqual([['Warning', `${HELLO_ORIGIN}${WEIGHTS_REASON}; ${HELD_BACK_NOTE}`]]);
  });
  test('GIVEN every replica stopped WHEN an invalid edit is stored and the replicas start again THEN each serves the route accepted before they stopped', async () => {
    const acceptedLast = [{ name: 'accepted-last', route: [{ destination: { host: HELLO_HOST, subset: 'v1' } }] }];
    let replicas = await cluster.waitForPods(MESH_NAMESPACE, 'app=mesh-reconciler', { count: 2, timeoutMs: 90_000 });
    expect((await applyResult(helloVirtualService(acceptedLast))).code).toBe(0);
    for (const replica of replicas) {
      await cluster.waitFor(`${replica.metadata.name} to serve the new route`, async () => JSON.stringify(await servedHelloRoutes(replica)) === '["accepted-last"]', 30_000);
    }
    await cluster.waitFor(`the new route saved in ConfigMap ${LAST_ACCEPTED_CONFIG_MAP}`, async () => {
      const configMap = await cluster.api.find<{ data?: Record<string, string> }>(`/api/v1/namespaces/${MESH_NAMESPACE}/configmaps/${LAST_ACCEPTED_CONFIG_MAP}`);
      return Object.values(configMap?.data ?? {}).some((entry) => entry.includes('"accepted-last"'));
    }, 30_000);

    await cluster.kubectl(['scale', 'deployment', RECONCILER_NAME, `--namespace=${MESH_NAMESPACE}`, '--replicas=0']);
    await cluster.waitFor('every reconciler pod gone', async () => (await cluster.pods(MESH_NAMESPACE, 'app=mesh-reconciler')).length === 0, 90_000);
    // No replica runs, so nothing rejected this edit and nothing held its predecessor back: only the saved set has it.
    expect((await applyResult(helloVirtualService(WEIGHTS_95))).code).toBe(0);
    expect(await storedRouteNames()).toEqual(['unchecked']);

    await cluster.kubectl(['scale', 'deployment', RECONCILER_NAME, `--namespace=${MESH_NAMESPACE}`, '--replicas=2']);
    replicas = await cluster.waitForPods(MESH_NAMESPACE, 'app=mesh-reconciler', { count: 2, timeoutMs: 120_000 });
    for (const replica of replicas) {
      expect(await servedHelloRoutes(replica)).toEqual(['accepted-last']);
      expect(await rejectedHello(replica)).toEqual([HELLO_ORIGIN + WEIGHTS_REASON, HELD_BACK_NOTE]);
    }
  }, 300_000);
});
