import { Chart } from 'cdk8s';
import { Mesh, MeshProps, MeshService, ServiceProtocol } from '../../src';
import { meshChart } from '../mesh/fixtures';

export const REVIEWS_HOST = 'reviews.bookinfo.svc.cluster.local';

/** A mesh with `reviews` (v1, v2, v3) and `productpage` (v1), HTTP on 9080, in namespace bookinfo. */
export function bookinfoChart(meshProps: MeshProps = {}): { chart: Chart; mesh: Mesh; reviews: MeshService; productpage: MeshService } {
  const { chart, mesh } = meshChart(meshProps);
  const service = (name: string, versions: string[]) => new MeshService(chart, name, {
    mesh,
    name,
    namespace: 'bookinfo',
    ports: [{ port: 9080, targetPort: 8080, protocol: ServiceProtocol.HTTP }],
    versions: versions.map(version => ({ name: version, image: `docker.io/istio/examples-bookinfo-${name}-${version}:1.20.2` })),
  });
  return { chart, mesh, reviews: service('reviews', ['v1', 'v2', 'v3']), productpage: service('productpage', ['v1']) };
}

/** The messages of every `node.addValidation` check in the chart, as `app.synth()` would report them. */
export function validationErrors(chart: Chart): string[] {
  return chart.node.findAll().flatMap(construct => construct.node.validate().map(message => `[${construct.node.path}] ${message}`));
}

/** The spec of the one manifest of a kind and name. */
export function specOf(manifests: any[], kind: string, name: string): any {
  const found = manifests.filter(m => m.kind === kind && m.metadata?.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  }
  return found[0].spec;
}

/** The message of the error `create` throws; fails the test when it throws nothing. */
export function errorOf(create: () => unknown): string {
  try {
    create();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}
