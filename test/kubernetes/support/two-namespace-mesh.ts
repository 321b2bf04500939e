/**
 * The mesh the control-plane scenarios run: the reconciler (two replicas), `hello` in namespace
 * `backend`, and `client` in `frontend` depending on it, both injected. Started on a cluster and
 * waited for until every pod is Ready.
 */
import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { applyIstioCrds } from './synthesized';
import { Mesh, MeshProps, MeshService, ServiceProtocol } from '../../../src';
import { Cluster, startCluster } from '../cluster/cluster';
import type { Pod } from '../node-agent/pod-types';

export const MESH_NAMESPACE = 'mesh-system';

export interface TwoNamespaceMesh {
  readonly cluster: Cluster;
  readonly reconcilers: Pod[];
  readonly hello: Pod;
  readonly client: Pod;
}

/**
 * Synthesizes the mesh; `extend` adds constructs (policies) to it, `meshProps` sets the Mesh's other
 * props, `helloVersions` names hello's versions (each `example/hello:<n>.0`).
 */
export function synthesizeTwoNamespaceMesh(
  extend?: (chart: Construct, mesh: Mesh, hello: MeshService) => void, meshProps: Omit<MeshProps, 'replicas'> = {}, helloVersions: readonly string[] = ['v1'],
): string {
  const app = Testing.app();
  const chart = new Chart(app, 'two-namespaces');
  const mesh = new Mesh(chart, 'Mesh', { ...meshProps, replicas: 2 });
  const port = [{ port: 9080, protocol: ServiceProtocol.HTTP }];
  const hello = new MeshService(chart, 'hello', { mesh, name: 'hello', namespace: 'backend', ports: port, versions: helloVersions.map((name, index) => ({ name, image: `example/hello:${index + 1}.0` })) });
  new MeshService(chart, 'client', {
    mesh, name: 'client', namespace: 'frontend', ports: port, versions: [{ name: 'v1', image: 'example/client:1.0' }], dependencies: [hello],
  });
  extend?.(chart, mesh, hello);
  return app.synthYaml();
}

/** A cluster with the Istio CRDs and `yaml` applied, once the reconcilers and both workloads are Ready. */
export async function startTwoNamespaceMesh(name: string, yaml: string): Promise<TwoNamespaceMesh> {
  const cluster = await startCluster({ name });
  try {
    await applyIstioCrds(cluster);
    await cluster.apply(yaml);
    const reconcilers = await cluster.waitForPods(MESH_NAMESPACE, 'app=mesh-reconciler', { count: 2, timeoutMs: 180_000 });
    const [hello] = await cluster.waitForPods('backend', 'app=hello', { timeoutMs: 180_000 });
    const [client] = await cluster.waitForPods('frontend', 'app=client', { timeoutMs: 180_000 });
    return { cluster, reconcilers, hello, client };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
