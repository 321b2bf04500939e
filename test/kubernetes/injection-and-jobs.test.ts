/**
 * Scenario 8: which pods the mesh injects, and what injected pods do besides serving. On the
 * two-namespace mesh (client in `frontend` calls hello in `backend`) plus:
 * 1. `plain` in `backend` with `injectSidecar: false`: it runs without istio-init and istio-proxy,
 *    its pod has no capture rules, and it is called in plaintext (auto-mTLS sees no sidecar),
 * 2. a MeshJob `report` in `batch`, applied once hello is Ready: its app calls hello and plain
 *    through its sidecar and exits 0, the native sidecar stops after it, the Job completes,
 * 3. the client's Deployment switched to another ServiceAccount: the new pod's proxy gets a
 *    certificate naming that account, and hello sees that identity.
 * The tests run in order: 3 replaces the client pod.
 */
import * as http from 'http';
import type { Cluster } from './cluster/cluster';
import { parseYamlDocuments } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { callFrom, envoyAdmin, podRef } from './support/mesh-observation';
import { startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';
import { MeshJob, MeshService, ServiceProtocol } from '../../src';
import { CAPTURE_CHAINS, SIDECAR_PORTS } from '../../src/model';

const HELLO_URL = 'http://hello.backend.svc.cluster.local:9080/who';
const PLAIN_URL = 'http://plain.backend.svc.cluster.local:9080/who';
const JOB = { name: 'report', namespace: 'batch' };

const documents = parseYamlDocuments(synthesizeTwoNamespaceMesh((chart, mesh, hello) => {
  const plain = new MeshService(chart, 'plain', {
    mesh,
    name: 'plain',
    namespace: 'backend',
    injectSidecar: false,
    ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: [{ name: 'v1', image: 'example/plain:1.0' }],
  });
  // One line of JSON per call (the answering workload's identity); --fail makes a non-2xx answer fail the job.
  new MeshJob(chart, 'report', {
    mesh,
    name: JOB.name,
    namespace: JOB.namespace,
    image: 'example/report:1.0',
    dependencies: [hello, plain],
    command: ['sh', '-c', `set -e; for url in ${HELLO_URL} ${PLAIN_URL}; do curl -sS --fail --max-time 20 "$url"; echo; done`],
  });
}));
const isJob = (object: Record<string, any>) => object.kind === 'Job';
const toYaml = (objects: Record<string, any>[]) => objects.map((object) => JSON.stringify(object)).join('\n---\n');

let cluster: Cluster;
let hello: Pod;
let client: Pod;
let plain: Pod;

type ContainerStatus = { name: string; state: { terminated?: { exitCode: number; finishedAt: string }; running?: unknown } };

/** The nat table of the pod's network namespace, read as root from its app container. */
async function natRules(pod: Pod): Promise<string> {
  const result = await cluster.exec(podRef(pod), ['iptables-save', '-t', 'nat'], { user: 0 });
  if (result.code !== 0) throw new Error(`iptables-save in ${pod.metadata.name} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** The SPIFFE URIs of the certificates the pod's Envoy holds (its own chain, not the CA's). */
async function proxyIdentities(pod: Pod): Promise<string[]> {
  const { certificates } = JSON.parse(await envoyAdmin(cluster, pod, '/certs')) as
    { certificates: { cert_chain?: { subject_alt_names?: { uri?: string }[] }[] }[] };
  const uris = certificates.flatMap((entry) => entry.cert_chain ?? []).flatMap((cert) => cert.subject_alt_names ?? [])
    .map((san) => san.uri).filter((uri): uri is string => Boolean(uri));
  return [...new Set(uris)];
}

/** A plaintext GET from the test process (outside every pod, so no sidecar on the way). */
function plaintextGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 10_000, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

beforeAll(async () => {
  // The Job is applied by its test, once hello can answer: applied with the rest, its one try could
  // run before hello has a Ready endpoint.
  ({ cluster, hello, client } = await startTwoNamespaceMesh('injection-and-jobs', toYaml(documents.filter((object) => !isJob(object)))));
  [plain] = await cluster.waitForPods('backend', 'app=plain', { timeoutMs: 120_000 });
}, 420_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

describe('injection opt-out, jobs and service account identities in Kubernetes', () => {
  test('GIVEN plain with injectSidecar false WHEN it runs beside injected pods THEN it has no istio-init, no istio-proxy and no capture rules, while hello and client keep all three', async () => {
    const containerNames = (pod: Pod) => [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((container) => container.name);
    expect(containerNames(plain)).toEqual(['plain']);
    expect(plain.metadata.labels?.['sidecar.istio.io/inject']).toBe('false');
    expect(plain.metadata.labels?.['security.istio.io/tlsMode']).toBeUndefined();
    const plainRules = await natRules(plain);
    for (const chain of Object.values(CAPTURE_CHAINS)) expect(plainRules).not.toContain(chain);
    expect(plainRules).not.toContain('REDIRECT');

    for (const pod of [hello, client]) {
      expect(containerNames(pod)).toEqual(['istio-init', 'istio-proxy', pod.metadata.labels!.app]);
      const rules = await natRules(pod);
      for (const chain of Object.values(CAPTURE_CHAINS)) expect(rules).toContain(`:${chain} `);
      expect(rules).toContain(`--to-ports ${SIDECAR_PORTS.inboundCapture}`);
    }
  }, 60_000);

  test('GIVEN plain without a sidecar WHEN the client app calls it (through its sidecar\'s passthrough: plain is no dependency) and the test calls its pod address THEN plain answers both in plaintext, straight from the caller', async () => {
    // No server-side Envoy: no forwarded client certificate, and the caller's own address (an
    // injected server would see its Envoy's loopback hand-over).
    // plain is not among the client's dependencies: its sidecar passes the calls through unchanged.
    const passedThrough = async () => Number((await envoyAdmin(cluster, client, `/stats?filter=${encodeURIComponent('^cluster\\.PassthroughCluster\\.upstream_rq_total$')}`)).split(':').pop());
    const before = await passedThrough();
    const answers = await callFrom(cluster, client, PLAIN_URL, 3);
    expect(answers.map((answer) => [answer.status, typeof answer.body === 'object' && answer.body.pod, typeof answer.body === 'object' && answer.body.caller]))
      .toEqual(answers.map(() => [200, plain.metadata.name, undefined]));
    expect(answers.map((answer) => (answer.body as { callerAddress?: string }).callerAddress)).toEqual(answers.map(() => client.status!.podIP));
    expect(await passedThrough()).toBe(before + 3);

    const direct = await plaintextGet(`http://${plain.status!.podIP}:9080/direct`);
    expect([direct.status, (JSON.parse(direct.body) as { pod: string }).pod]).toEqual([200, plain.metadata.name]);
  }, 60_000);

  test('GIVEN the mesh running WHEN the MeshJob is applied THEN its app calls hello with mTLS and plain in plaintext and exits 0, its native sidecar stops after it, and the Job completes', async () => {
    await cluster.apply(toYaml(documents.filter(isJob)));
    const job = await cluster.waitFor('the Job to complete', async () => {
      const current = await cluster.api.get<{ status?: { conditions?: { type: string; status: string }[]; succeeded?: number; failed?: number } }>(
        `/apis/batch/v1/namespaces/${JOB.namespace}/jobs/${JOB.name}`);
      if (current.status?.failed) throw new Error(`the Job failed: ${JSON.stringify(current.status)}`);
      return current.status?.conditions?.some((condition) => condition.type === 'Complete' && condition.status === 'True') ? current : undefined;
    }, 120_000, 500);
    expect(job.status?.succeeded).toBe(1);

    const [pod] = await cluster.pods(JOB.namespace, `job-name=${JOB.name}`);
    expect(pod.status!.phase).toBe('Succeeded');
    const app = (pod.status!.containerStatuses as ContainerStatus[]).find((status) => status.name === JOB.name)!;
    const proxy = (pod.status!.initContainerStatuses as ContainerStatus[]).find((status) => status.name === 'istio-proxy')!;
    expect(app.state.terminated?.exitCode).toBe(0);
    // A native sidecar (an init container restarted Always) runs until the app is done and is then
    // stopped, so it does not hold the Job open.
    expect(pod.spec.initContainers?.find((container) => container.name === 'istio-proxy')?.restartPolicy).toBe('Always');
    expect(proxy.state.terminated).toBeDefined();
    expect(Date.parse(proxy.state.terminated!.finishedAt)).toBeGreaterThanOrEqual(Date.parse(app.state.terminated!.finishedAt));

    // What the job's app printed: hello (behind its sidecar) saw the job's SPIFFE identity, plain saw
    // none. plain is a dependency of the job, so its sidecar had plain's cluster: had it chosen mTLS
    // for the uninjected endpoint, the handshake would have failed and so would curl.
    const lines = cluster.logs(podRef(pod), JOB.name).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { service: string; caller?: string });
    expect(lines.map((line) => [line.service, line.caller])).toEqual([
      ['hello', `spiffe://cluster.local/ns/${JOB.namespace}/sa/${JOB.name}`],
      ['plain', undefined],
    ]);
  }, 150_000);

  test('GIVEN the client Deployment WHEN its pods are switched to a ServiceAccount of another name THEN the new pod\'s proxy holds a certificate for that account and hello sees it as the caller', async () => {
    const identity = 'spiffe://cluster.local/ns/frontend/sa/auditor';
    expect(await proxyIdentities(client)).toEqual(['spiffe://cluster.local/ns/frontend/sa/client']);
    await cluster.apply(JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'auditor', namespace: 'frontend' } }));
    await cluster.kubectl(['patch', 'deployment/client-v1', '--namespace=frontend', '--type=merge', '--patch', JSON.stringify({ spec: { template: { spec: { serviceAccountName: 'auditor' } } } })]);

    const replacement = await cluster.waitFor('a Ready client pod running as auditor', async () =>
      (await cluster.waitForPods('frontend', 'app=client', { timeoutMs: 5_000 })).find((pod) => pod.spec.serviceAccountName === 'auditor'), 120_000, 1000);
    expect(replacement.metadata.name).not.toBe(client.metadata.name);
    expect(await proxyIdentities(replacement)).toEqual([identity]);
    const answers = await callFrom(cluster, replacement, HELLO_URL, 3);
    expect(answers.map((answer) => [answer.status, typeof answer.body === 'object' && answer.body.caller])).toEqual(answers.map(() => [200, identity]));
  }, 150_000);
});
