/**
 * Bookinfo, the classic Istio sample: productpage calls details and reviews, and reviews v2/v3
 * call ratings. Run `npx projen synth` to write it to `dist/bookinfo/`.
 */
import { App, Chart } from 'cdk8s';
import { IMeshService, Mesh, MeshService, ServiceProtocol } from '../../src';

const NAMESPACE = 'bookinfo';
const IMAGE_TAG = '1.20.2';

function image(service: string, version: string): string {
  return `docker.io/istio/examples-bookinfo-${service}-${version}:${IMAGE_TAG}`;
}

/** Adds the mesh and the four Bookinfo services to `app`; returns the chart. */
export function buildBookinfo(app: App): Chart {
  const chart = new Chart(app, 'bookinfo');
  const mesh = new Mesh(chart, 'mesh');
  const ports = [{ name: 'http', port: 9080, protocol: ServiceProtocol.HTTP }];
  const service = (name: string, versions: string[], dependencies: IMeshService[] = [], readOnlyRootFilesystem = true) =>
    new MeshService(chart, name, {
      mesh,
      name,
      namespace: NAMESPACE,
      ports,
      dependencies,
      versions: versions.map(version => ({ name: version, image: image(name, version), readOnlyRootFilesystem })),
    });

  const ratings = service('ratings', ['v1']);
  // The reviews images (Open Liberty) write their logs and work files under the root filesystem.
  const reviews = service('reviews', ['v1', 'v2', 'v3'], [ratings], false);
  const details = service('details', ['v1']);
  service('productpage', ['v1'], [details, reviews]);
  return chart;
}

if (require.main === module) {
  const app = new App({ outdir: process.argv[2] ?? 'dist/bookinfo' });
  buildBookinfo(app);
  app.synth();
}
