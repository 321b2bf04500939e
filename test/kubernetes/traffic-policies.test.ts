/**
 * Scenario 4: the bookinfo-style policies hold on a real cluster. `client` (namespace frontend)
 * calls `hello` (namespace backend, versions v1 and v2) through iptables capture: outbound on
 * 15001 in the client's pod, inbound on 15006 in hello's. With a CanaryRelease 90/10 and its
 * override header, a ChaosExperiment aborting one user's calls and MtlsPolicy STRICT:
 * the split holds within the loopback suite's tolerance, the header and the fault apply only to
 * matching calls, every call carries the client's SPIFFE identity over mTLS (SDS certificates from
 * the token-reviewed TLS xDS channel), and plaintext to hello's pod is refused.
 */
import * as http from 'http';
import { Chart, Testing } from 'cdk8s';
import type { Cluster } from './cluster/cluster';
import { startCluster } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { callFrom, CallAnswer } from './support/mesh-observation';
import { applyIstioCrds } from './support/synthesized';
import { MESH_NAMESPACE } from './support/two-namespace-mesh';
import {
  AbortFault, CanaryRelease, ChaosExperiment, HttpMatch, Mesh, MeshService, MtlsMode, MtlsPolicy, ServiceProtocol,
} from '../../src';

const HELLO_URL = 'http://hello.backend.svc.cluster.local:9080/policies';
const CLIENT_IDENTITY = 'spiffe://cluster.local/ns/frontend/sa/client';
const CANARY_WEIGHT = 10;
/** 2 000 calls: σ of a 10 % share is 0.67 points, so ±3 points is 4.5σ (as in the loopback suite). */
const SPLIT_CALLS = 2000;
const SPLIT_TOLERANCE_POINTS = 3;

function synthesizePolicies(): string {
  const app = Testing.app();
  const chart = new Chart(app, 'policies');
  const mesh = new Mesh(chart, 'Mesh', { replicas: 2 });
  const port = [{ port: 9080, protocol: ServiceProtocol.HTTP }];
  const hello = new MeshService(chart, 'hello', {
    mesh,
    name: 'hello',
    namespace: 'backend',
    ports: port,
    versions: [{ name: 'v1', image: 'example/hello:1.0' }, { name: 'v2', image: 'example/hello:2.0' }],
  });
  new MeshService(chart, 'client', {
    mesh, name: 'client', namespace: 'frontend', ports: port, versions: [{ name: 'v1', image: 'example/client:1.0' }], dependencies: [hello],
  });
  new CanaryRelease(chart, 'HelloCanary', {
    service: hello, stable: 'v1', canary: 'v2', canaryWeight: CANARY_WEIGHT, alwaysCanaryHeader: { name: 'x-canary', value: 'always' },
  });
  new ChaosExperiment(chart, 'JasonAbort', { service: hello, match: [HttpMatch.header('end-user').exact('jason')], abort: AbortFault.httpStatus(503) });
  new MtlsPolicy(chart, 'HelloStrict', { mesh, mode: MtlsMode.STRICT, service: hello });
  return app.synthYaml();
}

let cluster: Cluster;
let client: Pod;
let helloPods: Pod[];

/** `count` calls from the client app, in batches so that no single exec runs long. */
async function callHello(count: number, headers: readonly string[] = []): Promise<CallAnswer[]> {
  const answers: CallAnswer[] = [];
  while (answers.length < count) answers.push(...await callFrom(cluster, client, HELLO_URL, Math.min(500, count - answers.length), headers));
  return answers;
}

const versionOf = (answer: CallAnswer) => (typeof answer.body === 'object' ? answer.body.version : undefined);

/** A plaintext GET from outside the mesh straight to a pod: the status, or the error that ended it. */
function plaintextGet(address: string): Promise<string> {
  return new Promise((resolve) => {
    const request = http.get({ host: address, port: 9080, path: '/plaintext', timeout: 10_000, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(String(response.statusCode)));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

beforeAll(async () => {
  cluster = await startCluster({ name: 'traffic-policies' });
  await applyIstioCrds(cluster);
  await cluster.apply(synthesizePolicies());
  await cluster.waitForPods(MESH_NAMESPACE, 'app=mesh-reconciler', { count: 2, timeoutMs: 180_000 });
  helloPods = await cluster.waitForPods('backend', 'app=hello', { count: 2, timeoutMs: 180_000 });
  [client] = await cluster.waitForPods('frontend', 'app=client', { timeoutMs: 180_000 });
  // Every hello version answers before the counts start: the state of a running cluster.
  await cluster.waitFor('both hello versions to answer the client', async () => {
    const versions = new Set((await callHello(40, ['x-canary: always'])).concat(await callHello(40)).map(versionOf));
    return versions.has('v1') && versions.has('v2');
  }, 120_000, 1000);
}, 480_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('traffic policies through iptables capture on a real cluster', () => {
  test(`GIVEN CanaryRelease ${100 - CANARY_WEIGHT}/${CANARY_WEIGHT} WHEN the client calls hello ${SPLIT_CALLS} times THEN the canary share is within ±${SPLIT_TOLERANCE_POINTS} points and every call is answered over mTLS with the client's identity`, async () => {
    const answers = await callHello(SPLIT_CALLS);
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const canaryShare = (100 * answers.filter((answer) => versionOf(answer) === 'v2').length) / answers.length;
    expect(Math.abs(canaryShare - CANARY_WEIGHT)).toBeLessThanOrEqual(SPLIT_TOLERANCE_POINTS);
    expect(new Set(answers.map((answer) => typeof answer.body === 'object' && answer.body.caller))).toEqual(new Set([CLIENT_IDENTITY]));
  }, 240_000);

  test('GIVEN the canary override header WHEN the client calls hello THEN every call reaches v2', async () => {
    const answers = await callHello(100, ['x-canary: always']);
    expect(answers.map(versionOf)).toEqual(Array(100).fill('v2'));
  }, 120_000);

  test('GIVEN a ChaosExperiment aborting end-user jason WHEN jason and another user call THEN only jason\'s calls get the 503', async () => {
    const jason = await callHello(100, ['end-user: jason']);
    const other = await callHello(100, ['end-user: alice']);
    expect(jason.map((answer) => answer.status)).toEqual(Array(100).fill(503));
    expect(other.map((answer) => answer.status)).toEqual(Array(100).fill(200));
  }, 120_000);

  test('GIVEN MtlsPolicy STRICT for hello WHEN a caller outside the mesh sends plaintext to a hello pod THEN no HTTP answer comes back', async () => {
    for (const pod of helloPods) {
      const outcome = await plaintextGet(pod.status!.podIP!);
      expect({ pod: pod.metadata.name, outcome }).toEqual({ pod: pod.metadata.name, outcome: expect.not.stringMatching(/^\d{3}$/) });
    }
  }, 60_000);
});
