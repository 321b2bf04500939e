/**
 * Scenario 2: the control plane runs from its own synthesized Deployment, ServiceAccount and RBAC
 * in Kubernetes mode, two replicas of the built reconciler CLI. They race for the CA Secret (the
 * API server lets exactly one create it), serve the same config, publish the root certificate into
 * every workload namespace, and injected pods come up: istio-init's real iptables rules, a real
 * Envoy configured over the token-reviewed TLS xDS channel, and the app reached through both
 * sidecars from a pod in another namespace. (That this traffic uses mTLS is asserted in
 * endpointslices-and-warming.test.ts.)
 */
import type { Cluster, PodRef } from './cluster/cluster';
import type { Pod } from './node-agent/pod-types';
import { replicaXdsTarget, sidecarIdentity } from './support/replica-views';
import { MESH_NAMESPACE, startTwoNamespaceMesh, synthesizeTwoNamespaceMesh } from './support/two-namespace-mesh';
import { fetchServedConfig } from './support/xds-probe';
import { CA_CERT_FILE } from '../../reconciler/src/security/directory-ca-store';
import { CAPTURE_CHAINS, SIDECAR_PORTS, XDS_CREDENTIALS } from '../../src/model';

const CA_SECRET = 'mesh-ca';

let cluster: Cluster;
let reconcilers: Pod[];
let helloPod: Pod;
let clientPod: Pod;

const ref = (pod: Pod): PodRef => ({ namespace: pod.metadata.namespace!, name: pod.metadata.name });

beforeAll(async () => {
  ({ cluster, reconcilers, hello: helloPod, client: clientPod } = await startTwoNamespaceMesh('control-plane', synthesizeTwoNamespaceMesh()));
}, 420_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

async function caSecretCertificate(): Promise<string> {
  const secret = await cluster.api.get<{ data: Record<string, string> }>(`/api/v1/namespaces/${MESH_NAMESPACE}/secrets/${CA_SECRET}`);
  const certificate = secret.data[CA_CERT_FILE];
  if (!certificate) throw new Error(`Secret ${CA_SECRET} holds no ${CA_CERT_FILE}: keys ${Object.keys(secret.data).join(', ')}`);
  return Buffer.from(certificate, 'base64').toString('utf8');
}

describe('the control plane in Kubernetes mode', () => {
  test('GIVEN the synthesized Deployment WHEN applied THEN two replicas of the built CLI run in Kubernetes mode as the Deployment\'s non-root user', async () => {
    expect(reconcilers).toHaveLength(2);
    for (const pod of reconcilers) {
      const container = pod.spec.containers[0];
      expect(container.args).toContain('--source=kubernetes');
      expect((await cluster.exec(ref(pod), ['id', '-u'])).stdout.trim()).toBe(String(container.securityContext?.runAsUser));
      expect(cluster.logs(ref(pod), container.name)).toContain('"msg":"reconciler serving xDS"');
    }
  });

  test('GIVEN two replicas starting together WHEN they race for the CA Secret THEN the API server saw exactly one successful create', () => {
    const creates = cluster.auditEvents().filter((event) => event.verb === 'create' && event.objectRef.resource === 'secrets'
      && event.objectRef.namespace === MESH_NAMESPACE && (event.objectRef.name === undefined || event.objectRef.name === CA_SECRET));
    const succeeded = creates.filter((event) => event.responseStatus.code === 201);
    expect(succeeded.map((event) => event.user.username)).toEqual([`system:serviceaccount:${MESH_NAMESPACE}:mesh-reconciler`]);
    // Any other attempt lost the race (409 Conflict) and read the winner's Secret.
    expect(creates.filter((event) => event.responseStatus.code !== 201).map((event) => event.responseStatus.code)).toEqual(
      creates.filter((event) => event.responseStatus.code !== 201).map(() => 409));
    const writes = cluster.auditEvents().filter((event) => event.objectRef.resource === 'secrets' && event.objectRef.name === CA_SECRET
      && ['update', 'patch', 'delete'].includes(event.verb));
    expect(writes).toEqual([]);
  });

  test('GIVEN workloads in two namespaces WHEN the replicas run THEN each namespace gets the root certificate ConfigMap with the CA Secret\'s certificate, and a namespace without workloads does not', async () => {
    const root = await caSecretCertificate();
    for (const namespace of ['backend', 'frontend']) {
      const configMap = await cluster.waitFor(`${XDS_CREDENTIALS.rootCertConfigMap} in ${namespace}`, () =>
        cluster.api.find<{ data: Record<string, string> }>(`/api/v1/namespaces/${namespace}/configmaps/${XDS_CREDENTIALS.rootCertConfigMap}`));
      expect(configMap.data[XDS_CREDENTIALS.rootCertKey].trim()).toBe(root.trim());
    }
    expect(await cluster.api.find(`/api/v1/namespaces/default/configmaps/${XDS_CREDENTIALS.rootCertConfigMap}`)).toBeUndefined();
  });

  test('GIVEN both replicas WHEN asked over TLS xDS for the client proxy\'s clusters and listeners THEN they serve the same versions and resources, with certificates from the one CA', async () => {
    // The client sidecar's identity, with a token bound to its pod, asked of each replica at its pod address.
    const sidecar = await sidecarIdentity(cluster, clientPod);
    const served = await Promise.all(reconcilers.map((pod) => fetchServedConfig(replicaXdsTarget(pod, sidecar), sidecar.node)));

    expect(served[0].clusters.resources.length).toBeGreaterThan(0);
    expect(JSON.stringify(served[0].clusters.resources)).toContain('hello.backend.svc.cluster.local');
    expect(served[1]).toEqual(served[0]);
  });

  test('GIVEN the injected pods WHEN Ready THEN istio-init installed the capture rules with the real iptables in the pod\'s namespace', async () => {
    for (const pod of [helloPod, clientPod]) {
      const init = (pod.status!.initContainerStatuses as { name: string; state: { terminated?: { exitCode: number } } }[])
        .find((status) => status.name === 'istio-init');
      expect(init?.state.terminated?.exitCode).toBe(0);
      const rules = await cluster.exec(ref(pod), ['iptables-save', '-t', 'nat'], { user: 0 });
      for (const chain of Object.values(CAPTURE_CHAINS)) expect(rules.stdout).toContain(`:${chain} `);
      expect(rules.stdout).toContain(`--to-ports ${SIDECAR_PORTS.outboundCapture}`);
      expect(rules.stdout).toContain(`--to-ports ${SIDECAR_PORTS.inboundCapture}`);
    }
  });

  test('GIVEN the injected pods WHEN Ready THEN istio-proxy is a real Envoy connected to the reconciler\'s TLS port, never the plaintext one', async () => {
    for (const pod of [helloPod, clientPod]) {
      const connected = await cluster.exec(ref(pod), ['curl', '-s', `http://127.0.0.1:${SIDECAR_PORTS.admin}/stats?filter=control_plane.connected_state`], { container: 'istio-proxy' });
      expect(connected.stdout.trim()).toBe('control_plane.connected_state: 1');
      const sockets = await cluster.exec(ref(pod), ['ss', '-Htn', 'state', 'established'], { container: 'istio-proxy' });
      const xdsPorts = sockets.stdout.split('\n').map((line) => line.trim().split(/\s+/)[3]).filter(Boolean).map((peer) => Number(peer.split(':').pop()))
        .filter((port) => port === 15010 || port === 15012);
      expect([...new Set(xdsPorts)]).toEqual([15012]);
    }
  });

  test('GIVEN the client pod WHEN its app calls hello in another namespace THEN the answer comes through the client\'s sidecar (outbound capture) and hello\'s (inbound capture)', async () => {
    const requestsToHello = async () => {
      const stats = await cluster.exec(ref(clientPod), ['curl', '-s', `http://127.0.0.1:${SIDECAR_PORTS.admin}/stats?filter=upstream_rq_total`], { container: 'istio-proxy' });
      return stats.stdout.split('\n').filter((line) => line.includes('hello.backend.svc.cluster.local.upstream_rq_total:'))
        .reduce((sum, line) => sum + Number(line.split(':').pop()), 0);
    };
    const before = await requestsToHello();
    const url = 'http://hello.backend.svc.cluster.local:9080/where';
    const call = await cluster.exec(ref(clientPod), ['curl', '-s', `http://127.0.0.1:9080/call?url=${encodeURIComponent(url)}&n=3`]);
    const { calls } = JSON.parse(call.stdout) as { calls: { status: number; body: Record<string, string> }[] };

    // hello's Envoy hands inbound requests to the app over loopback; a direct call would come from the client pod's address.
    expect(calls.map((answer) => [answer.status, answer.body.service, answer.body.pod, /^127\./.test(answer.body.callerAddress)])).toEqual(
      calls.map(() => [200, 'hello', helloPod.metadata.name, true]));
    expect(await requestsToHello()).toBe(before + 3);
  });
});
