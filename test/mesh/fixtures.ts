import { Chart, Testing } from 'cdk8s';
import { Mesh, MeshProps, MeshService, MeshServiceProps, ServiceProtocol } from '../../src';

/** A chart holding a mesh, for tests that add services to it. */
export function meshChart(meshProps: MeshProps = {}): { chart: Chart; mesh: Mesh } {
  const chart = new Chart(Testing.app(), 'test');
  return { chart, mesh: new Mesh(chart, 'mesh', meshProps) };
}

/** A one-version HTTP service named `reviews` in namespace `bookinfo`, with overridable props. */
export function reviewsService(chart: Chart, mesh: Mesh, props: Partial<MeshServiceProps> = {}): MeshService {
  return new MeshService(chart, props.name ?? 'reviews', {
    mesh,
    name: 'reviews',
    namespace: 'bookinfo',
    ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: [{ name: 'v1', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2' }],
    ...props,
  });
}

/** The single manifest of a kind and name; fails the test when missing. */
export function manifest(manifests: any[], kind: string, name: string): any {
  const found = manifests.find(m => m.kind === kind && m.metadata?.name === name);
  if (!found) {
    throw new Error(`no ${kind} ${name} among ${manifests.map(m => `${m.kind}/${m.metadata?.name}`).join(', ')}`);
  }
  return found;
}

/** The pod spec of a Deployment manifest. */
export function podSpec(deployment: any): any {
  return deployment.spec.template.spec;
}
