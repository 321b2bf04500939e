/**
 * Scenario: a canary rollout executed by the control plane on a real cluster, across a failover.
 * Two reconciler replicas elect the one that executes rollouts with a `coordination.k8s.io` Lease
 * (timing scaled down by flags). The client's sidecar streams its xDS and its telemetry to either
 * replica, as the Service balances it: the leader judges the canary on the totals of both, so the
 * rollout steps 10 → 30 → 60 → 100 with short pauses wherever the client reports. A peer whose
 * totals the leader cannot read (refused authentication, unreachable) would hold every step
 * waiting, so each advance also shows the replicas reading each other's totals. The leader is SIGKILLed mid-rollout; the other replica takes
 * the Lease and continues from the saved step (never step 1 again, never a step twice); both
 * replicas serve each step's weight in RDS; every transition is an Event on the VirtualService; and
 * `kubectl diff --server-side` of the synthesized YAML against the cluster is empty at every step.
 */
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import type { Cluster } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { callFrom, podRef, reconcilerOps } from './support/mesh-observation';
import { fetchServedRoutes, replicaDebug, SidecarIdentity, sidecarIdentity } from './support/replica-views';
import { MESH_NAMESPACE, startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';
import { CanaryRelease } from '../../src';
import { ROLLOUT_LEASE_NAME, ROLLOUT_STATE_CONFIG_MAP } from '../../src/model';

const HELLO_HOST = 'hello.backend.svc.cluster.local';
const HELLO_URL = `http://${HELLO_HOST}:9080/rollout`;
const STEPS = [10, 30, 60, 100];
/** The test's own timing for the election (client-go's defaults are 15 s, 10 s, 2 s). */
const LEASE_FLAGS = ['--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms'];
const FIELD_MANAGER = 'cdk8s-mesh-test';
/** Long enough to check both replicas and the drift within a step on a busy machine. */
const PAUSE_SECONDS = 12;

interface RolloutView {
  readonly rollout: string;
  readonly state: string;
  readonly step: string;
  readonly weight: number;
  readonly history: { readonly phase: string; readonly step: number; readonly weight: number }[];
  /** On the leader: the canary requests each replica counted in the last judged window. */
  readonly telemetryByReplica?: { readonly requests: Record<string, number>; readonly unreachable: string[] };
}
interface RolloutsView { readonly rollouts: RolloutView[]; readonly executing: boolean; readonly leader: string | null }
interface SavedRecord {
  readonly key: string;
  readonly phase: string;
  readonly step: number;
  readonly weight: number;
  readonly history: { phase: string; step: number }[];
}

let cluster: Cluster;
let yaml: string;
/** The CanaryRelease's route, and the rollout's key `namespace/virtualservice/route`. */
let route: string;
let rolloutKey: string;
let client: Pod;
let identity: SidecarIdentity;
let calling = true;
let callLoop: Promise<void> | undefined;

function synthesize(): string {
  return synthesizeTwoNamespaceMesh((chart, mesh, hello) => {
    route = new CanaryRelease(chart, 'HelloRollout', {
      service: hello,
      stable: 'v1',
      canary: 'v2',
      canaryWeight: 0,
      minRequests: 20,
      trafficWaitLimit: Duration.minutes(10),
      steps: STEPS.map((weight) => ({ weight, pause: Duration.seconds(PAUSE_SECONDS), minSuccessRate: 95 })),
    }).routeName;
    rolloutKey = `backend/hello/${route}`;
    const deployment = mesh.node.findAll().find((construct): construct is ApiObject => construct instanceof ApiObject && construct.kind === 'Deployment');
    for (const flag of LEASE_FLAGS) deployment!.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/args/-', flag));
  }, {}, ['v1', 'v2']);
}

/** The Lease's holder as a pod name (the identity is `<pod>_<process id>`), or undefined when none holds it. */
async function leaseHolderPod(): Promise<string | undefined> {
  const lease = await cluster.api.find<{ spec?: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${MESH_NAMESPACE}/leases/${ROLLOUT_LEASE_NAME}`);
  const holder = lease?.spec?.holderIdentity;
  return holder ? holder.replace(/_[^_]+$/, '') : undefined;
}

async function savedRecord(): Promise<SavedRecord | undefined> {
  const configMap = await cluster.api.find<{ data?: Record<string, string>; metadata: { labels?: Record<string, string> } }>(
    `/api/v1/namespaces/${MESH_NAMESPACE}/configmaps/${ROLLOUT_STATE_CONFIG_MAP}`);
  const text = configMap?.data?.['rollouts.json'];
  return text ? (JSON.parse(text) as { rollouts: SavedRecord[] }).rollouts.find((record) => record.key === rolloutKey) : undefined;
}

async function replicas(): Promise<Pod[]> {
  return (await cluster.pods(MESH_NAMESPACE, 'app=mesh-reconciler')).filter((pod) => pod.status?.podIP && !pod.metadata.deletionTimestamp);
}

async function rolloutOn(replica: Pod): Promise<RolloutsView | undefined> {
  return replicaDebug<RolloutsView>(replica, '/debug/rollouts').catch(() => undefined);
}

/** The canary's weight in the route `replica` serves the client's sidecar. */
async function servedCanaryWeight(replica: Pod): Promise<number | undefined> {
  const routes = await fetchServedRoutes(replica, identity, ['9080']);
  const host = routes['9080']?.virtual_hosts?.find((virtualHost) => virtualHost.name === `${HELLO_HOST}:9080`);
  // A split is weighted clusters; a whole share (0 or 100 %) is one cluster.
  type ServedRoute = { cluster?: string; weighted_clusters?: { clusters: { name: string; weight?: number }[] } };
  const served = host?.routes?.find((candidate) => candidate.name === route)?.route as ServedRoute | undefined;
  if (!served) return undefined;
  if (served.cluster !== undefined) return served.cluster.includes('|v2|') ? 100 : 0;
  return served.weighted_clusters?.clusters.find((weighted) => weighted.name.includes('|v2|'))?.weight ?? 0;
}

/** The replica the client's sidecar is in sync with (its xDS stream), if any. */
async function replicaServingClient(): Promise<Pod | undefined> {
  for (const replica of await replicas()) {
    const { status, body } = await reconcilerOps(replica, '/debug/syncz').catch(() => ({ status: 0, body: '' }));
    if (status !== 200) continue;
    const byProxy = JSON.parse(body) as Record<string, Record<string, { sentVersion?: string; ackedVersion?: string }>>;
    const proxy = Object.entries(byProxy).find(([id]) => id.includes(client.metadata.name));
    if (proxy && Object.values(proxy[1]).every((type) => type.sentVersion !== undefined && type.ackedVersion === type.sentVersion)) return replica;
  }
  return undefined;
}

async function kill(replica: Pod): Promise<void> {
  const pids = cluster.podContainerProcessIds(podRef(replica));
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
}

/** The synthesized YAML against the cluster: nothing differs (exit 0, empty output). */
async function expectNoDrift(): Promise<void> {
  const diff = await cluster.diff(yaml, FIELD_MANAGER);
  expect({ code: diff.code, diff: diff.stdout, error: diff.stderr }).toEqual({ code: 0, diff: '', error: '' });
}

/**
 * Every replica answering shows `weight` in /debug/rollouts and serves it in RDS (`all`: both
 * replicas must answer; otherwise one restarting after its SIGKILL may still be loading).
 */
async function waitForEveryReplicaToServe(weight: number, all = true): Promise<void> {
  await cluster.waitFor(`every reconciler replica to serve the canary ${weight} %`, async () => {
    const answering: Pod[] = [];
    for (const replica of await replicas()) {
      const view = await rolloutOn(replica);
      if (!view) continue;
      if (view.rollouts.find((rollout) => rollout.rollout === rolloutKey)?.weight !== weight) return false;
      answering.push(replica);
    }
    if (answering.length < (all ? 2 : 1)) return false;
    for (const replica of answering) if (await servedCanaryWeight(replica).catch(() => undefined) !== weight) return false;
    return true;
  }, 60_000, 250);
}

beforeAll(async () => {
  yaml = synthesize();
  ({ cluster, client } = await startTwoNamespaceMesh('progressive-delivery', yaml));
  await cluster.waitForPods('backend', 'app=hello', { count: 2, timeoutMs: 180_000 });
  identity = await sidecarIdentity(cluster, client);
}, 480_000);

afterAll(async () => {
  calling = false;
  await callLoop;
  await cluster?.stop();
}, 90_000);

describe('a rollout executed by the Lease holder, across a failover', () => {
  test('GIVEN two replicas and a 4-step rollout WHEN the leader is SIGKILLed mid-rollout THEN the other continues from the saved step to Promoted, every replica serves each step, Events tell the story, and nothing drifts', async () => {
    const firstLeader = await cluster.waitFor('a replica to hold the rollout Lease', leaseHolderPod, 60_000, 250);
    // Without traffic step 1 waits (its pause is long over by now); both replicas serve it, nothing drifts.
    await waitForEveryReplicaToServe(STEPS[0]);
    await expectNoDrift();
    const reportingTo = (await cluster.waitFor('the client in sync with a replica', replicaServingClient, 90_000, 250)).metadata.name;
    // Calls from now on: the canary's telemetry comes from the client's sidecar, to whichever replica it streams.
    callLoop = (async () => {
      while (calling) await callFrom(cluster, client, HELLO_URL, 20).catch(() => undefined);
    })();
    await cluster.waitFor('step 2 on the leader', async () => ((await savedRecord())?.step ?? 0) >= 1, 60_000, 250);
    process.stdout.write(`client sidecar's xDS stream is on ${reportingTo === firstLeader ? 'the leader' : 'the follower'} (${reportingTo})\n`);
    await waitForEveryReplicaToServe(STEPS[1]);
    await expectNoDrift();
    const leaders = await replicas();
    const leader = leaders.find((pod) => pod.metadata.name === firstLeader)!;
    const follower = leaders.find((pod) => pod.metadata.name !== firstLeader)!;
    expect(await rolloutOn(follower)).toMatchObject({ executing: false });
    // The step was judged on both replicas' totals: the follower's were read (its token admitted), and together they hold the client's calls.
    const judged = (await rolloutOn(leader))!.rollouts.find((rollout) => rollout.rollout === rolloutKey)!.telemetryByReplica!;
    expect(Object.keys(judged.requests).sort()).toEqual([leader.metadata.name, follower.metadata.name].sort());
    expect(judged.unreachable).toEqual([]);
    expect(judged.requests[leader.metadata.name] + judged.requests[follower.metadata.name]).toBeGreaterThanOrEqual(20);
    process.stdout.write(`canary requests judged at step 1: ${JSON.stringify(judged.requests)}\n`);

    const atKill = (await savedRecord())!;
    expect(atKill).toMatchObject({ phase: 'Progressing' });
    expect(atKill.step).toBeGreaterThanOrEqual(1);
    await kill(leader);

    const secondLeader = await cluster.waitFor('the other replica to take the Lease', async () => {
      const holder = await leaseHolderPod();
      return holder === follower.metadata.name ? holder : undefined;
    }, 60_000, 100);
    expect(secondLeader).toBe(follower.metadata.name);
    // It resumes at the saved step (or the next one), never back at step 1.
    const resumed = await cluster.waitFor('the new leader to execute the rollout', async () => {
      const view = await rolloutOn(follower);
      return view?.executing ? view.rollouts.find((rollout) => rollout.rollout === rolloutKey) : undefined;
    }, 30_000, 100);
    expect(Number(resumed.step.split('/')[0])).toBeGreaterThanOrEqual(atKill.step + 1);
    expect(resumed.weight).toBeGreaterThanOrEqual(atKill.weight);

    for (const weight of STEPS.slice(2)) {
      await waitForEveryReplicaToServe(weight, false);
      await expectNoDrift();
    }
    const promoted = await cluster.waitFor('the rollout to be promoted', async () => {
      const record = await savedRecord();
      return record?.phase === 'Promoted' ? record : undefined;
    }, 120_000, 250);
    // One history entry per step, in order: none repeated, none skipped, step 1 never entered twice.
    expect(promoted.history.map((event) => `${event.phase} ${event.step}`))
      .toEqual(['Progressing 1', 'Progressing 2', 'Progressing 3', 'Progressing 4', 'Promoted 4']);
    await waitForEveryReplicaToServe(STEPS.at(-1)!);
    await expectNoDrift();

    const events = await cluster.api.list<{ reason: string; message: string; reportingInstance?: string }>(
      '/api/v1/namespaces/backend/events', { fieldSelector: 'involvedObject.kind=VirtualService,involvedObject.name=hello' });
    const rolloutEvents = events.items.filter((event) => event.reason.startsWith('Rollout'));
    expect(rolloutEvents.filter((event) => event.reason === 'RolloutStarted')).toHaveLength(1);
    expect(rolloutEvents.filter((event) => event.reason === 'RolloutStepAdvanced').map((event) => event.message).sort()).toEqual([
      'progressing: at step 2 of 4, weight 30 %', 'progressing: at step 3 of 4, weight 60 %', 'progressing: at step 4 of 4, weight 100 %',
    ]);
    expect(rolloutEvents.filter((event) => event.reason === 'RolloutPromoted').map((event) => event.message)).toEqual(['promoted — change the code to make it permanent']);
    // Recorded by the replica that led at the time: both took part.
    expect(new Set(rolloutEvents.map((event) => event.reportingInstance))).toEqual(new Set([firstLeader, secondLeader]));
  }, 420_000);
});
