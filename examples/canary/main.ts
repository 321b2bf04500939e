/**
 * Canary release of reviews v2: 10 % of requests, testers forcing it with `x-canary: always`,
 * and a stepped rollout plan (with health thresholds) declared for a rollout controller. Run
 * `npx projen synth` to write it to `dist/canary/`.
 */
import { App, Chart, Duration } from 'cdk8s';
import { CanaryRelease, Mesh, MeshService, ResiliencePolicy, RetryOn, ServiceProtocol } from '../../src';

export function buildCanary(app: App): Chart {
  const chart = new Chart(app, 'canary');
  const mesh = new Mesh(chart, 'mesh');
  const reviews = new MeshService(chart, 'reviews', {
    mesh,
    name: 'reviews',
    namespace: 'shop',
    ports: [{ name: 'http', port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: ['v1', 'v2'].map(version => ({
      name: version, image: `docker.io/istio/examples-bookinfo-reviews-${version}:1.20.2`, readOnlyRootFilesystem: false,
    })),
  });

  new CanaryRelease(chart, 'ReviewsCanary', {
    service: reviews,
    stable: 'v1',
    canary: 'v2',
    canaryWeight: 10,
    alwaysCanaryHeader: { name: 'x-canary', value: 'always' },
    steps: [
      { weight: 25, pause: Duration.minutes(10), maxErrorRate: 1, maxP99Latency: Duration.millis(500) },
      { weight: 50, pause: Duration.minutes(10), maxErrorRate: 1, maxP99Latency: Duration.millis(500) },
      { weight: 100, pause: Duration.minutes(30), minSuccessRate: 99 },
    ],
  });
  // Retries hide a canary's transient errors from users while its error rate is still measured.
  new ResiliencePolicy(chart, 'ReviewsResilience', {
    service: reviews,
    timeout: Duration.seconds(5),
    retries: { attempts: 2, perTryTimeout: Duration.seconds(2), retryOn: [RetryOn.GATEWAY_ERROR, RetryOn.CONNECT_FAILURE] },
  });
  return chart;
}

if (require.main === module) {
  const app = new App({ outdir: process.argv[2] ?? 'dist/canary' });
  buildCanary(app);
  app.synth();
}
