/**
 * A chaos game day on ratings: testers (header `x-game-day: on`) get a 7 s delay, half of the
 * calls from reviews fail with 503 during a one-hour window that the reconciler ends by itself,
 * and a circuit breaker plus retries show how the callers cope. Run `npx projen synth` to write
 * it to `dist/chaos-game-day/`.
 */
import { App, Chart, Duration } from 'cdk8s';
import {
  AbortFault, ChaosExperiment, CircuitBreaker, HttpMatch, IMeshService, Mesh, MeshService, ResiliencePolicy, RetryOn, ServiceProtocol,
} from '../../src';

const NAMESPACE = 'bookinfo';

export function buildChaosGameDay(app: App): Chart {
  const chart = new Chart(app, 'chaos-game-day');
  const mesh = new Mesh(chart, 'mesh');
  const service = (name: string, dependencies: IMeshService[] = []) => new MeshService(chart, name, {
    mesh,
    name,
    namespace: NAMESPACE,
    ports: [{ name: 'http', port: 9080, protocol: ServiceProtocol.HTTP }],
    dependencies,
    versions: [{ name: 'v1', image: `docker.io/istio/examples-bookinfo-${name}-v1:1.20.2`, readOnlyRootFilesystem: false }],
  });
  const ratings = service('ratings');
  const reviews = service('reviews', [ratings]);

  new ChaosExperiment(chart, 'TesterDelay', {
    service: ratings,
    match: [HttpMatch.header('x-game-day').exact('on')],
    delay: { fixedDelay: Duration.seconds(7) },
  });
  new ChaosExperiment(chart, 'ReviewsOutage', {
    service: ratings,
    match: [HttpMatch.sourceService(reviews)],
    abort: AbortFault.httpStatus(503, 50),
    startTime: '2025-03-14T09:00:00Z',
    duration: Duration.hours(1),
  });
  new CircuitBreaker(chart, 'RatingsBreaker', {
    service: ratings,
    connectionPool: { maxConnections: 50, http1MaxPendingRequests: 10, maxRetries: 5 },
    outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
  });
  new ResiliencePolicy(chart, 'RatingsRetries', {
    service: ratings,
    timeout: Duration.seconds(3),
    retries: { attempts: 2, perTryTimeout: Duration.seconds(1), retryOn: [RetryOn.SERVER_ERROR] },
  });
  return chart;
}

if (require.main === module) {
  const app = new App({ outdir: process.argv[2] ?? 'dist/chaos-game-day' });
  buildChaosGameDay(app);
  app.synth();
}
