import { App, Chart, Duration } from 'cdk8s';
import {
  ABTest, AbortFault, CanaryRelease, ChaosExperiment, ExternalService, HttpMatch, IngressGateway, Mesh, MeshProps, MeshService,
  MtlsMode, MtlsPolicy, ServiceAuthorization, ServiceProtocol,
} from '../../src';

/**
 * Bookinfo with one of each declared feature: an ingress gateway to productpage, a 90/10 canary of
 * reviews (with a rollout step), a mirror of details to v2, an abort fault on ratings, STRICT mTLS on reviews,
 * authorization of productpage → reviews, a denied namespace on ratings, and an external service.
 */
export function buildDiagramBookinfo(app: App, meshProps: MeshProps = {}): { chart: Chart; mesh: Mesh } {
  const chart = new Chart(app, 'bookinfo');
  const mesh = new Mesh(chart, 'mesh', meshProps);
  const service = (name: string, versions: string[], dependencies: MeshService[] = []) => new MeshService(chart, name, {
    mesh,
    name,
    namespace: 'bookinfo',
    ports: [{ name: 'http', port: 9080, protocol: ServiceProtocol.HTTP }],
    dependencies,
    versions: versions.map(version => ({ name: version, image: `docker.io/istio/examples-bookinfo-${name}-${version}:1.20.2` })),
  });
  const ratings = service('ratings', ['v1']);
  const reviews = service('reviews', ['v1', 'v2', 'v3'], [ratings]);
  const details = service('details', ['v1', 'v2']);
  const productpage = service('productpage', ['v1'], [details, reviews]);

  new CanaryRelease(chart, 'ReviewsCanary', {
    service: reviews, stable: 'v1', canary: 'v2', canaryWeight: 10, steps: [{ weight: 50, pause: Duration.minutes(5) }],
  });
  new ABTest(chart, 'DetailsShadow', { service: details, mirrorVersion: 'v2', mirrorPercentage: 50 });
  new ChaosExperiment(chart, 'RatingsFaults', {
    service: ratings,
    match: [HttpMatch.header('x-chaos').exact('on')],
    abort: AbortFault.httpStatus(503, 50),
    startTime: '2024-05-01T09:00:00Z',
    duration: Duration.hours(1),
  });
  new MtlsPolicy(chart, 'ReviewsStrict', { mesh, mode: MtlsMode.STRICT, service: reviews });
  const reviewsAccess = new ServiceAuthorization(chart, 'ReviewsAccess', { service: reviews });
  reviewsAccess.allow({ fromServices: [productpage] });
  const ratingsAccess = new ServiceAuthorization(chart, 'RatingsAccess', { service: ratings });
  ratingsAccess.deny({ fromNamespaces: ['untrusted'] });

  const gateway = new IngressGateway(chart, 'Ingress', { mesh });
  gateway.addHttpServer({ hosts: ['bookinfo.example.com'] });
  gateway.addRoute('bookinfo.example.com', '/', productpage);

  new ExternalService(chart, 'RatingsDatabase', {
    mesh, namespace: 'bookinfo', hosts: ['ratings-db.example.net'], ports: [{ port: 443, protocol: ServiceProtocol.TLS }],
  });
  return { chart, mesh };
}

// Run as a script to synthesize into a directory, for the test that compares fresh processes.
if (require.main === module) {
  const app = new App({ outdir: process.argv[2] });
  buildDiagramBookinfo(app);
  app.synth();
}
