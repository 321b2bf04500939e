/**
 * Scenario 1: what Argo CD does with `cdk8s synth` output. The API server's own OpenAPI and CEL
 * validation of the Istio CRDs is the contract: every example is accepted by
 * `kubectl apply --server-side`, and a second `kubectl diff --server-side` shows no drift.
 */
import { Chart, Testing } from 'cdk8s';
import { Cluster, parseYamlDocuments, startCluster } from './cluster/cluster';
import { applyIstioCrds, discoverExamples, synthesizeExample } from './support/synthesized';
import { CanaryRelease, Mesh, MeshService, ServiceProtocol } from '../../src';

const FIELD_MANAGER = 'argocd-like';
let cluster: Cluster;

beforeAll(async () => {
  // Nothing here needs pods: without the node agent they stay Pending, as on a cluster with no nodes.
  cluster = await startCluster({ name: 'examples-apply', runPods: false });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

/** `kind/namespace/name` of every object of a YAML stream. */
function objectKeys(yaml: string): string[] {
  return parseYamlDocuments(yaml).map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`).sort();
}

/** `kind/namespace/name` of the objects of `yaml` as the API server has them. */
async function storedKeys(yaml: string): Promise<string[]> {
  const listed = JSON.parse(await cluster.kubectl(['get', '-f', '-', '-o', 'json'], yaml)) as { items: Record<string, any>[] };
  return listed.items.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`).sort();
}

describe('synthesized output applied to a real API server', () => {
  test('GIVEN a bare cluster WHEN a mesh synthesized with emitCrds is applied server-side twice, as a sync with retries does THEN every object is stored and nothing drifts', async () => {
    const app = Testing.app();
    const chart = new Chart(app, 'bare');
    const mesh = new Mesh(chart, 'Mesh', { emitCrds: true });
    const reviews = new MeshService(chart, 'reviews', {
      mesh,
      name: 'reviews',
      namespace: 'bare',
      ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
      versions: [{ name: 'v1', image: 'example/reviews:1.0' }, { name: 'v2', image: 'example/reviews:2.0' }],
    });
    new CanaryRelease(chart, 'Canary', { service: reviews, stable: 'v1', canary: 'v2', canaryWeight: 10 });
    const yaml = app.synthYaml();

    // The first pass creates the CRDs; custom resources of the same pass may arrive before the
    // API server serves their kind, which a second pass (Argo CD's retry) applies.
    await cluster.kubectlResult(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], yaml);
    await cluster.kubectl(['wait', '--for=condition=Established', 'customresourcedefinitions', '--all', '--timeout=60s']);
    await cluster.apply(yaml, FIELD_MANAGER);

    expect(await storedKeys(yaml)).toEqual(objectKeys(yaml));
    const diff = await cluster.diff(yaml, FIELD_MANAGER);
    expect({ code: diff.code, diff: diff.stdout, error: diff.stderr }).toEqual({ code: 0, diff: '', error: '' });
  }, 180_000);

  describe('every example', () => {
    beforeAll(async () => {
      await applyIstioCrds(cluster);
    }, 120_000);

    test.each(discoverExamples())('GIVEN the %s example WHEN applied with kubectl apply --server-side THEN it is accepted and a second diff shows no difference', async (example) => {
      const yaml = synthesizeExample(example);
      await cluster.apply(yaml, FIELD_MANAGER);

      expect(await storedKeys(yaml)).toEqual(objectKeys(yaml));
      const diff = await cluster.diff(yaml, FIELD_MANAGER);
      expect({ code: diff.code, diff: diff.stdout, error: diff.stderr }).toEqual({ code: 0, diff: '', error: '' });
    }, 120_000);
  });
});
