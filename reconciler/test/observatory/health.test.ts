import { DEFAULT_HEALTH_THRESHOLDS, endpointHealth, HealthState, parseHealthThresholds, trafficHealth, worseHealth } from '../../src/observatory/health';
import type { TrafficSummary } from '../../src/observatory/observatory-graph';

const traffic = (errorRatio: number, clientErrorRatio = 0, grpcErrorRatio?: number): TrafficSummary =>
  ({ requestsPerSecond: 10, errorRatio, clientErrorRatio, grpcErrorRatio, tcpBytesPerSecond: 0 });

describe('health with Kiali\'s default thresholds', () => {
  test.each<[string, TrafficSummary, HealthState]>([
    ['no 5xx, no 4xx', traffic(0), 'Healthy'],
    ['0.1 % 5xx (above 0 %)', traffic(0.001), 'Degraded'],
    ['9.9 % 5xx', traffic(0.099), 'Degraded'],
    ['10 % 5xx', traffic(0.1), 'Failure'],
    ['50 % 5xx', traffic(0.5), 'Failure'],
    ['9.9 % 4xx', traffic(0, 0.099), 'Healthy'],
    ['10 % 4xx', traffic(0, 0.1), 'Degraded'],
    ['20 % 4xx', traffic(0, 0.2), 'Failure'],
    ['12 % gRPC errors', traffic(0, 0, 0.12), 'Failure'],
  ])('GIVEN %s WHEN judged THEN %s', (_, summary, expected) => {
    expect(trafficHealth(summary, 60).state).toBe(expected);
  });

  test('GIVEN no requests in the window WHEN judged THEN it is NoTraffic, not Healthy, and says over which window', () => {
    expect(trafficHealth(undefined, 60)).toEqual({ state: 'NoTraffic', reason: 'no requests in the last 60 s' });
    expect(trafficHealth({ requestsPerSecond: 0, tcpBytesPerSecond: 0 }, 300).state).toBe('NoTraffic');
  });

  test('GIVEN endpoints WHEN judged THEN none is Failure, all ejected is Failure, some ejected Degraded, all ready says nothing', () => {
    expect(endpointHealth({ total: 0, ejected: 0 })).toEqual({ state: 'Failure', reason: 'no endpoints' });
    expect(endpointHealth({ total: 2, ejected: 2 })?.state).toBe('Failure');
    expect(endpointHealth({ total: 3, ejected: 1 })).toEqual({ state: 'Degraded', reason: '2 of 3 endpoints ready, 1 ejected' });
    expect(endpointHealth({ total: 3, ejected: 0 })).toBeUndefined();
  });

  test('GIVEN two statuses WHEN combined THEN the worse wins and NoTraffic yields to anything', () => {
    const noTraffic = trafficHealth(undefined, 60);
    const failure = trafficHealth(traffic(0.5), 60);
    expect(worseHealth(noTraffic, failure)).toBe(failure);
    expect(worseHealth(failure, trafficHealth(traffic(0), 60))).toBe(failure);
  });

  test('GIVEN configured thresholds WHEN parsed and used THEN they replace the defaults of their class only', () => {
    const thresholds = parseHealthThresholds('5xx=1:5');
    expect(thresholds).toEqual({ ...DEFAULT_HEALTH_THRESHOLDS, serverErrors: { degraded: 1, failure: 5 } });
    expect(trafficHealth(traffic(0.005), 60, thresholds).state).toBe('Healthy');
    expect(trafficHealth(traffic(0.05), 60, thresholds).state).toBe('Failure');
  });

  test.each(['5xx=10:5', '3xx=1:2', '5xx=1', '4xx=10:200'])('GIVEN --health-thresholds %s WHEN parsed THEN the error names it and shows the form', (text) => {
    expect(() => parseHealthThresholds(text)).toThrow(/--health-thresholds: '.*' is not <5xx\|4xx>=<degraded %>:<failure %>.*e\.g\. 5xx=0:10,4xx=10:20/);
  });
});
