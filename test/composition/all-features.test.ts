import { Duration, Testing } from 'cdk8s';
import {
  ABTest, AbortFault, CanaryRelease, ChaosExperiment, CircuitBreaker, HttpMatch, MeshService, MtlsMode, MtlsPolicy,
  ResiliencePolicy, RetryOn, ServiceProtocol, StickySession,
} from '../../src';
import { manifest, meshChart } from '../mesh/fixtures';
import { expectValidManifests } from '../support/istio-validation';

/** reviews with three versions and productpage calling it, every routing feature on reviews. */
function allFeatures(declareInReverse = false) {
  const { chart, mesh } = meshChart();
  const service = (name: string, versions: string[]) => new MeshService(chart, name, {
    mesh,
    name,
    namespace: 'bookinfo',
    ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: versions.map(version => ({ name: version, image: `docker.io/istio/examples-bookinfo-${name}-${version}:1.20.2` })),
  });
  const reviews = service('reviews', ['v1', 'v2', 'v3']);
  const productpage = service('productpage', ['v1']);
  const features: (() => void)[] = [
    () => new CanaryRelease(chart, 'Canary', {
      service: reviews,
      stable: 'v1',
      canary: 'v2',
      canaryWeight: 20,
      alwaysCanaryHeader: { name: 'x-canary', value: 'always' },
      steps: [{ weight: 50, pause: Duration.minutes(5), maxErrorRate: 1 }],
    }),
    () => new ABTest(chart, 'Experiment', {
      service: reviews,
      rules: [
        { match: [HttpMatch.header('end-user').exact('jason')], version: 'v3' },
        { match: [HttpMatch.sourceService(productpage), HttpMatch.cookie('group', 'beta')], version: 'v3' },
      ],
      stickySession: StickySession.cookie('session', Duration.hours(1)),
    }),
    () => new ChaosExperiment(chart, 'TesterFaults', {
      service: reviews,
      match: [HttpMatch.header('x-chaos').exact('on')],
      abort: AbortFault.httpStatus(503, 50),
      startTime: '2024-05-01T09:00:00Z',
      duration: Duration.hours(1),
    }),
    () => new ResiliencePolicy(chart, 'Resilience', {
      service: reviews, timeout: Duration.seconds(3), retries: { attempts: 2, retryOn: [RetryOn.GATEWAY_ERROR] },
    }),
    () => new CircuitBreaker(chart, 'Breaker', {
      service: reviews, version: 'v2', outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(5) },
    }),
    () => new MtlsPolicy(chart, 'Strict', { mesh, mode: MtlsMode.STRICT, namespace: 'bookinfo' }),
  ];
  (declareInReverse ? [...features].reverse() : features).forEach(add => add());
  return chart;
}

describe('all routing features on one service', () => {
  test('GIVEN canary, A/B test, chaos, retries, breaker and mTLS on reviews WHEN synthesized THEN the one VirtualService orders routes most specific first', () => {
    const manifests = Testing.synth(allFeatures());
    const http = manifest(manifests, 'VirtualService', 'reviews').spec.http;
    const host = 'reviews.bookinfo.svc.cluster.local';
    const weighted = [
      { destination: { host, subset: 'v1' }, weight: 80 },
      { destination: { host, subset: 'v2' }, weight: 20 },
    ];
    const resilience = { timeout: '3s', retries: { attempts: 2, retryOn: 'gateway-error' } };

    expect(manifests.filter(m => m.kind === 'VirtualService' && m.metadata.name === 'reviews')).toHaveLength(1);
    expect(http.map((route: any) => route.name)).toEqual(['tester-faults', 'experiment-rule-0', 'experiment-rule-1', 'canary-always-canary', 'canary']);
    // Chaos for matched users keeps the canary split of the catch-all route.
    expect(http[0]).toEqual({
      name: 'tester-faults',
      match: [{ headers: { 'x-chaos': { exact: 'on' } } }],
      fault: { abort: { httpStatus: 503, percentage: { value: 50 } } },
      route: weighted,
      ...resilience,
    });
    expect(http[1]).toEqual({
      name: 'experiment-rule-0',
      match: [{ headers: { 'end-user': { exact: 'jason' } } }],
      route: [{ destination: { host, subset: 'v3' } }],
      ...resilience,
    });
    expect(http[2].match).toEqual([{
      headers: { cookie: { regex: '^(.*?;\\s*)?group=(beta)(;.*)?$' } },
      sourceLabels: { app: 'productpage' },
      sourceNamespace: 'bookinfo',
    }]);
    expect(http[3]).toMatchObject({ match: [{ headers: { 'x-canary': { exact: 'always' } } }], route: [{ destination: { host, subset: 'v2' } }] });
    expect(http[4]).toEqual({ name: 'canary', route: weighted, ...resilience });
    expectValidManifests(manifests);
  });

  test('GIVEN all features WHEN synthesized THEN the one DestinationRule merges stickiness, mTLS and the per-version breaker', () => {
    const manifests = Testing.synth(allFeatures());
    const spec = manifest(manifests, 'DestinationRule', 'reviews').spec;

    expect(spec.trafficPolicy).toEqual({
      loadBalancer: { consistentHash: { httpCookie: { name: 'session', ttl: '3600s' } } },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
    expect(spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3, interval: '5s' } } },
      { name: 'v3', labels: { version: 'v3' } },
    ]);
    expect(manifest(manifests, 'DestinationRule', 'productpage').spec.trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
  });

  test('GIVEN all features WHEN synthesized THEN the VirtualService declares the rollout plan and the chaos window', () => {
    const annotations = manifest(Testing.synth(allFeatures()), 'VirtualService', 'reviews').metadata.annotations;
    expect(JSON.parse(annotations['mesh.cdk8s.io/rollout'])).toEqual({
      route: 'canary', stable: 'v1', canary: 'v2', startWeight: 20, minRequests: 100, trafficWaitLimit: '300s', steps: [{ weight: 50, pause: '300s', maxErrorRate: 1 }],
    });
    expect(JSON.parse(annotations['mesh.cdk8s.io/chaos-window'])).toEqual([
      { route: 'tester-faults', start: '2024-05-01T09:00:00.000Z', end: '2024-05-01T10:00:00.000Z' },
    ]);
  });

  test('GIVEN the features declared in reverse order WHEN synthesized THEN the routing objects are identical', () => {
    const pick = (manifests: any[]) => ['VirtualService', 'DestinationRule'].map(kind => manifest(manifests, kind, 'reviews'));
    expect(pick(Testing.synth(allFeatures(true)))).toEqual(pick(Testing.synth(allFeatures())));
  });
});
