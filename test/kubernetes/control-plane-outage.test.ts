/**
 * Scenario 7: a reconciler replica dies under load. On the two-namespace mesh (two replicas), the
 * replica the client's Envoy streams from is SIGKILLed while the client app keeps calling hello:
 * no call fails (the data plane keeps its config), and the Envoy reconnects through the
 * reconciler Service to a running replica and ACKs what it is sent.
 */
import type { Cluster } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { answeringPods, callFrom, envoyEndpoints, podRef, reconcilerOps } from './support/mesh-observation';
import { MESH_NAMESPACE, startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';

const HELLO_HOST = 'hello.backend.svc.cluster.local';
const HELLO_URL = `http://${HELLO_HOST}:9080/outage`;
/** Calls per batch: small enough that a batch ends soon after the reconnect, large enough to keep load on. */
const BATCH = 50;

interface TypeSyncStatus { readonly sentVersion?: string; readonly ackedVersion?: string }

let cluster: Cluster;
let hello: Pod;
let client: Pod;

/** The sync status a replica holds for the client's proxy, or undefined when the proxy is not connected to it. */
async function clientSyncOn(replica: Pod): Promise<Record<string, TypeSyncStatus> | undefined> {
  const { status, body } = await reconcilerOps(replica, '/debug/syncz');
  if (status !== 200) return undefined;
  const byProxy = JSON.parse(body) as Record<string, Record<string, TypeSyncStatus>>;
  const proxyId = Object.keys(byProxy).find((id) => id.includes(client.metadata.name));
  return proxyId === undefined ? undefined : byProxy[proxyId];
}

/** True when every type the proxy was sent is ACKed at the version sent: it is in sync. */
function inSync(types: Record<string, TypeSyncStatus>): boolean {
  const entries = Object.values(types);
  return entries.length > 0 && entries.every((type) => type.sentVersion !== undefined && type.ackedVersion === type.sentVersion);
}

/** The running replica the client's proxy is in sync with. */
async function replicaServingClient(): Promise<Pod> {
  return cluster.waitFor('a reconciler replica with the client proxy in sync', async () => {
    // Ready or not: a replica restarting in its pod answers its monitoring port before it is Ready.
    for (const replica of await cluster.pods(MESH_NAMESPACE, 'app=mesh-reconciler')) {
      if (!replica.status?.podIP) continue;
      const sync = await clientSyncOn(replica).catch(() => undefined);
      if (sync && inSync(sync)) return replica;
    }
    return undefined;
  }, 90_000, 250);
}

beforeAll(async () => {
  let reconcilers: Pod[];
  ({ cluster, reconcilers, hello, client } = await startTwoNamespaceMesh('control-plane-outage', synthesizeTwoNamespaceMesh()));
  expect(reconcilers).toHaveLength(2);
  await cluster.waitFor('the client\'s Envoy to hold hello\'s endpoint', async () => {
    const endpoints = await envoyEndpoints(cluster, client, HELLO_HOST);
    return endpoints.includes(`${hello.status!.podIP}:9080`);
  }, 60_000, 500);
}, 420_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('a reconciler replica killed under load', () => {
  test('GIVEN the client calling hello WHEN the replica its Envoy streams from is SIGKILLed THEN no call fails and the Envoy is in sync with a running replica again', async () => {
    const first = await replicaServingClient();
    const killedPids = cluster.podContainerProcessIds(podRef(first));
    expect(killedPids.length).toBeGreaterThan(0);

    const answers: string[] = [];
    let reconnected: Pod | undefined;
    let batchesAfterReconnect = 0;
    const load = (async () => {
      // Batches until one has run entirely after the reconnect: the load spans the whole outage.
      while (batchesAfterReconnect < 1) {
        const wasReconnected = reconnected !== undefined;
        answers.push(...answeringPods(await callFrom(cluster, client, HELLO_URL, BATCH)));
        if (wasReconnected) batchesAfterReconnect += 1;
      }
    })();

    // The replica's containers die without a chance to close their streams, as in a node crash or OOM kill.
    for (const pid of killedPids) process.kill(pid, 'SIGKILL');
    // Its old stream is gone; any replica (the other one, or this one restarted by its pod) may take the proxy.
    await cluster.waitFor('the killed replica to drop the client proxy', async () => {
      const sync = await clientSyncOn(first).catch(() => undefined);
      return sync === undefined;
    }, 60_000, 100);
    reconnected = await replicaServingClient();
    await load;

    expect(answers.length).toBeGreaterThanOrEqual(2 * BATCH);
    expect(answers.filter((pod) => pod !== hello.metadata.name)).toEqual([]);
    expect(inSync((await clientSyncOn(reconnected))!)).toBe(true);
  }, 240_000);
});
