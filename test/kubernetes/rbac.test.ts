/**
 * Scenario 3: the reconciler's RBAC, as the Mesh construct synthesizes it, is sufficient and least
 * privilege. The API server's authorizer answers `kubectl auth can-i --as=<the reconciler's
 * ServiceAccount>` for what the reconciler does (listed here from its code, not from the RBAC
 * rules under test) and for a sample of what it must not do.
 */
import { Cluster, startCluster } from './cluster/cluster';
import { applyIstioCrds, synthesizeExample } from './support/synthesized';
import { ROLLOUT_LEASE_NAME, ROLLOUT_STATE_CONFIG_MAP, XDS_CREDENTIALS } from '../../src/model';

const MESH_NAMESPACE = 'mesh-system';
const RECONCILER = `system:serviceaccount:${MESH_NAMESPACE}:mesh-reconciler`;
/** The CA Secret the reconciler reads and creates (reconciler/src/security/kubernetes-security.ts). */
const CA_SECRET = 'mesh-ca';
const WORKLOAD_NAMESPACE = 'bookinfo';

/** A `kubectl auth can-i` question: verb, resource (`/name` for one object), where, and a subresource. */
type Question = readonly [verb: string, resource: string, scope: string, subresource?: string];

/** The kinds the reconciler's informers list and watch in every namespace (reconciler/src/config/kubernetes-source.ts). */
const WATCHED = [
  'services', 'pods', 'endpointslices.discovery.k8s.io',
  'virtualservices.networking.istio.io', 'destinationrules.networking.istio.io', 'gateways.networking.istio.io',
  'serviceentries.networking.istio.io', 'workloadentries.networking.istio.io', 'sidecars.networking.istio.io',
  'peerauthentications.security.istio.io', 'requestauthentications.security.istio.io', 'authorizationpolicies.security.istio.io',
];

const ALLOWED: readonly Question[] = [
  ...WATCHED.flatMap((resource) => ['list', 'watch', 'get'].map((verb): Question => [verb, resource, '--all-namespaces'])),
  // Proxies are admitted by a TokenReview of their projected token.
  ['create', 'tokenreviews.authentication.k8s.io', ''],
  // The root CA: read if another replica made it, else create it (the API server arbitrates the race).
  ['get', `secrets/${CA_SECRET}`, MESH_NAMESPACE],
  ['create', 'secrets', MESH_NAMESPACE],
  // The root certificate sidecars verify the reconciler with, published into workload namespaces.
  ['create', 'configmaps', WORKLOAD_NAMESPACE],
  ['get', `configmaps/${XDS_CREDENTIALS.rootCertConfigMap}`, WORKLOAD_NAMESPACE],
  ['update', `configmaps/${XDS_CREDENTIALS.rootCertConfigMap}`, WORKLOAD_NAMESPACE],
  // Rollouts: the Lease electing the executing replica, and the state it writes and the others watch
  // (reconciler/src/kubernetes-mode.ts); Events on the VirtualServices (rollout-events.ts).
  ['create', 'leases.coordination.k8s.io', MESH_NAMESPACE],
  ['get', `leases.coordination.k8s.io/${ROLLOUT_LEASE_NAME}`, MESH_NAMESPACE],
  ['update', `leases.coordination.k8s.io/${ROLLOUT_LEASE_NAME}`, MESH_NAMESPACE],
  ['create', 'configmaps', MESH_NAMESPACE],
  ...['get', 'list', 'watch', 'update'].map((verb): Question => [verb, `configmaps/${ROLLOUT_STATE_CONFIG_MAP}`, MESH_NAMESPACE]),
  ['create', 'events', WORKLOAD_NAMESPACE],
];

const FORBIDDEN: readonly Question[] = [
  // No Secret but its own CA Secret, and that one only read.
  ['get', 'secrets/other-secret', MESH_NAMESPACE],
  ['list', 'secrets', MESH_NAMESPACE],
  ['watch', 'secrets', MESH_NAMESPACE],
  ['get', `secrets/${CA_SECRET}`, WORKLOAD_NAMESPACE],
  ['list', 'secrets', '--all-namespaces'],
  ['update', `secrets/${CA_SECRET}`, MESH_NAMESPACE],
  ['delete', `secrets/${CA_SECRET}`, MESH_NAMESPACE],
  ['create', 'secrets', WORKLOAD_NAMESPACE],
  // Other ConfigMaps are not its business.
  ['get', 'configmaps/mesh-config', WORKLOAD_NAMESPACE],
  ['list', 'configmaps', WORKLOAD_NAMESPACE],
  ['update', 'configmaps/kube-root-ca.crt', WORKLOAD_NAMESPACE],
  ['delete', `configmaps/${XDS_CREDENTIALS.rootCertConfigMap}`, WORKLOAD_NAMESPACE],
  // Only its own Lease, only in its namespace; its rollout state is never deleted by it.
  ['update', 'leases.coordination.k8s.io/kube-controller-manager', 'kube-system'],
  ['update', `leases.coordination.k8s.io/${ROLLOUT_LEASE_NAME}`, WORKLOAD_NAMESPACE],
  ['delete', `leases.coordination.k8s.io/${ROLLOUT_LEASE_NAME}`, MESH_NAMESPACE],
  ['delete', `configmaps/${ROLLOUT_STATE_CONFIG_MAP}`, MESH_NAMESPACE],
  ['list', 'configmaps', MESH_NAMESPACE],
  // It reads the mesh config and workloads; it never changes them.
  ['update', 'virtualservices.networking.istio.io', WORKLOAD_NAMESPACE],
  ['patch', 'destinationrules.networking.istio.io', WORKLOAD_NAMESPACE],
  ['delete', 'authorizationpolicies.security.istio.io', WORKLOAD_NAMESPACE],
  ['create', 'pods', WORKLOAD_NAMESPACE],
  ['delete', 'pods', WORKLOAD_NAMESPACE],
  ['create', 'pods', WORKLOAD_NAMESPACE, 'exec'],
  ['update', 'services', WORKLOAD_NAMESPACE],
  ['update', 'deployments.apps', MESH_NAMESPACE],
  // No way to mint identities or to widen its own rights.
  ['create', 'serviceaccounts', WORKLOAD_NAMESPACE, 'token'],
  ['impersonate', 'serviceaccounts', WORKLOAD_NAMESPACE],
  ['create', 'clusterrolebindings.rbac.authorization.k8s.io', ''],
  ['escalate', 'clusterroles.rbac.authorization.k8s.io', ''],
  ['bind', 'clusterroles.rbac.authorization.k8s.io', ''],
  ['list', 'nodes', ''],
];

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ name: 'rbac', runPods: false });
  await applyIstioCrds(cluster);
  await cluster.apply(synthesizeExample('bookinfo'));
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

/** `yes` or `no` from the API server's authorizer for the reconciler's ServiceAccount. */
async function canI([verb, resource, scope, subresource]: Question): Promise<string> {
  const where = scope === '--all-namespaces' ? ['--all-namespaces'] : scope ? ['-n', scope] : [];
  const sub = subresource ? [`--subresource=${subresource}`] : [];
  const result = await cluster.kubectlResult(['auth', 'can-i', verb, resource, ...where, ...sub, `--as=${RECONCILER}`]);
  const answer = result.stdout.trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl auth can-i ${verb} ${resource} gave no answer: ${result.stderr}`);
  return answer;
}

/** Asks every question, a few at a time; returns the ones answered otherwise than `expected`. */
async function unexpectedAnswers(questions: readonly Question[], expected: 'yes' | 'no'): Promise<string[]> {
  const wrong: string[] = [];
  for (let start = 0; start < questions.length; start += 4) {
    const batch = questions.slice(start, start + 4);
    const answers = await Promise.all(batch.map(canI));
    batch.forEach((question, index) => {
      if (answers[index] !== expected) wrong.push(`${question.join(' ').trim()} → ${answers[index]}`);
    });
  }
  return wrong;
}

describe("the reconciler's synthesized RBAC", () => {
  test('GIVEN the bookinfo control plane applied WHEN the reconciler asks for everything its code does THEN the API server allows all of it', async () => {
    expect(await unexpectedAnswers(ALLOWED, 'yes')).toEqual([]);
  }, 120_000);

  test('GIVEN the bookinfo control plane applied WHEN the reconciler asks for other Secrets, ConfigMaps, writes or identities THEN the API server refuses every one', async () => {
    expect(await unexpectedAnswers(FORBIDDEN, 'no')).toEqual([]);
  }, 120_000);
});
