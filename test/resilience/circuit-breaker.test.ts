import { Duration, Testing } from 'cdk8s';
import { CircuitBreaker, CircuitBreakerProps } from '../../src';
import { expectValidManifests } from '../support/istio-validation';
import { bookinfoChart, errorOf, specOf, validationErrors } from '../traffic/fixtures';

describe('CircuitBreaker', () => {
  test('GIVEN every limit WHEN synthesized THEN the DestinationRule has the connection pool and outlier detection', () => {
    const { chart, reviews } = bookinfoChart();
    new CircuitBreaker(chart, 'Breaker', {
      service: reviews,
      connectionPool: {
        maxConnections: 100,
        connectTimeout: Duration.millis(250),
        http1MaxPendingRequests: 10,
        http2MaxRequests: 200,
        maxRequestsPerConnection: 5,
        maxRetries: 3,
        idleTimeout: Duration.minutes(5),
      },
      outlierDetection: {
        consecutive5xxErrors: 3,
        consecutiveGatewayErrors: 2,
        interval: Duration.seconds(10),
        baseEjectionTime: Duration.seconds(30),
        maxEjectionPercent: 50,
      },
    });
    const manifests = Testing.synth(chart);

    expect(specOf(manifests, 'DestinationRule', 'reviews').trafficPolicy).toEqual({
      connectionPool: {
        tcp: { maxConnections: 100, connectTimeout: '250ms' },
        http: { http1MaxPendingRequests: 10, http2MaxRequests: 200, maxRequestsPerConnection: 5, maxRetries: 3, idleTimeout: '300s' },
      },
      outlierDetection: { consecutive5xxErrors: 3, consecutiveGatewayErrors: 2, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
    });
    expectValidManifests(manifests);
  });

  test('GIVEN a breaker for one version WHEN synthesized THEN only that subset gets the policy', () => {
    const { chart, reviews } = bookinfoChart();
    new CircuitBreaker(chart, 'Breaker', { service: reviews, version: 'v3', connectionPool: { maxConnections: 1 } });
    const manifests = Testing.synth(chart);
    const spec = specOf(manifests, 'DestinationRule', 'reviews');

    expect(spec.trafficPolicy).toBeUndefined();
    expect(spec.subsets.map((subset: any) => subset.trafficPolicy))
      .toEqual([undefined, undefined, { connectionPool: { tcp: { maxConnections: 1 } } }]);
    expectValidManifests(manifests);
  });

  test('GIVEN two breakers on different versions WHEN validated THEN they do not conflict; on the same field they do', () => {
    const { chart, reviews } = bookinfoChart();
    new CircuitBreaker(chart, 'V1', { service: reviews, version: 'v1', outlierDetection: { consecutive5xxErrors: 1 } });
    new CircuitBreaker(chart, 'V2', { service: reviews, version: 'v2', outlierDetection: { consecutive5xxErrors: 2 } });
    expect(validationErrors(chart)).toEqual([]);
    new CircuitBreaker(chart, 'V2Again', { service: reviews, version: 'v2', outlierDetection: { consecutive5xxErrors: 4 } });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(
      /trafficPolicy field of subset "v2" 'outlierDetection.consecutive5XxErrors' is set by both "test\/V2" and "test\/V2Again"/)]);
  });

  test('GIVEN a breaker for a version the service lacks WHEN validated THEN the error names the subset', () => {
    const { chart, reviews } = bookinfoChart();
    new CircuitBreaker(chart, 'Breaker', { service: reviews, version: 'v9', connectionPool: { maxConnections: 1 } });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/traffic policy of "test\/Breaker": 'subset' is "v9"; no such version/)]);
  });

  test.each<[string, Partial<CircuitBreakerProps>, RegExp]>([
    ['nothing', {}, /'connectionPool' is undefined; a circuit breaker needs a connection pool or outlier detection/],
    ['an empty pool', { connectionPool: {} }, /'connectionPool' is \{\}; it sets no limit/],
    ['zero connections', { connectionPool: { maxConnections: 0 } }, /'connectionPool.maxConnections' is 0; it must be an integer from 1 to 2147483647/],
    ['connections beyond int32', { connectionPool: { maxConnections: 2 ** 31 } }, /'connectionPool.maxConnections' is 2147483648; it must be an integer from 1 to 2147483647/],
    ['a zero connect timeout', { connectionPool: { connectTimeout: Duration.seconds(0) } }, /'connectionPool.connectTimeout' is "0ms"/],
    ['an ejection percent above 100', { outlierDetection: { maxEjectionPercent: 120 } }, /'outlierDetection.maxEjectionPercent' is 120/],
    ['an ejection percent of 0, which Istio reads as unset', { outlierDetection: { maxEjectionPercent: 0 } }, /'outlierDetection.maxEjectionPercent' is 0; Istio cannot tell 0 from unset/],
    ['a fractional error count', { outlierDetection: { consecutive5xxErrors: 1.5 } }, /'outlierDetection.consecutive5xxErrors' is 1.5/],
  ])('GIVEN %s WHEN constructed THEN it fails naming the path, prop and value', (_, props, message) => {
    const { chart, reviews } = bookinfoChart();
    const error = errorOf(() => new CircuitBreaker(chart, 'Breaker', { service: reviews, ...props }));
    expect(error).toMatch(/^\[test\/Breaker\] /);
    expect(error).toMatch(message);
  });
});
