import { Duration, Testing } from 'cdk8s';
import { bookinfoChart, REVIEWS_HOST, specOf, validationErrors } from './fixtures';
import { CanaryRelease, CanaryReleaseProps } from '../../src';
import { expectValidManifests } from '../support/istio-validation';

function canary(props: Partial<CanaryReleaseProps> = {}) {
  const fixture = bookinfoChart();
  new CanaryRelease(fixture.chart, 'ReviewsCanary', { service: fixture.reviews, stable: 'v1', canary: 'v2', canaryWeight: 10, ...props });
  return fixture;
}

describe('CanaryRelease', () => {
  test.each([0, 10, 55, 100])('GIVEN canaryWeight %d WHEN synthesized THEN the weighted route splits stable and canary to sum 100', weight => {
    const { chart } = canary({ canaryWeight: weight });
    const manifests = Testing.synth(chart);
    const http = specOf(manifests, 'VirtualService', 'reviews').http;

    expect(http).toEqual([{
      name: 'reviews-canary',
      route: [
        { destination: { host: REVIEWS_HOST, subset: 'v1' }, weight: 100 - weight },
        { destination: { host: REVIEWS_HOST, subset: 'v2' }, weight },
      ],
    }]);
    expectValidManifests(manifests);
  });

  test('GIVEN an always-canary header WHEN synthesized THEN a header route to the canary precedes the split', () => {
    const { chart } = canary({ alwaysCanaryHeader: { name: 'x-canary', value: 'always' } });
    const manifests = Testing.synth(chart);
    const http = specOf(manifests, 'VirtualService', 'reviews').http;

    expect(http[0]).toEqual({
      name: 'reviews-canary-always-canary',
      match: [{ headers: { 'x-canary': { exact: 'always' } } }],
      route: [{ destination: { host: REVIEWS_HOST, subset: 'v2' } }],
    });
    expect(http[1].name).toBe('reviews-canary');
    expectValidManifests(manifests);
  });

  test('GIVEN rollout steps WHEN synthesized THEN the plan is a deterministic JSON annotation and the VS carries the start weight', () => {
    const steps = [
      { weight: 25, pause: Duration.minutes(10), maxErrorRate: 1, maxP99Latency: Duration.millis(250) },
      { weight: 100, pause: Duration.minutes(30), minSuccessRate: 99.5 },
    ];
    const first = Testing.synth(canary({ steps }).chart);
    const second = Testing.synth(canary({ steps }).chart);
    const vs = first.find(m => m.kind === 'VirtualService' && m.metadata.name === 'reviews');

    expect(JSON.parse(vs.metadata.annotations['mesh.cdk8s.io/rollout'])).toEqual({
      route: 'reviews-canary',
      stable: 'v1',
      canary: 'v2',
      startWeight: 10,
      minRequests: 100,
      trafficWaitLimit: '300s',
      steps: [
        { weight: 25, pause: '600s', maxErrorRate: 1, maxP99Latency: '250ms' },
        { weight: 100, pause: '1800s', minSuccessRate: 99.5 },
      ],
    });
    expect(vs.spec.http[0].route[1].weight).toBe(10);
    expect(second).toEqual(first);
    expectValidManifests(first);
  });

  test('GIVEN no steps WHEN synthesized THEN the VirtualService has no rollout annotation', () => {
    const vs = Testing.synth(canary().chart).find(m => m.kind === 'VirtualService' && m.metadata.name === 'reviews');
    expect(vs.metadata.annotations['mesh.cdk8s.io/rollout']).toBeUndefined();
  });

  test.each<[string, Partial<CanaryReleaseProps>, RegExp]>([
    ['weight above 100', { canaryWeight: 120 }, /\[test\/ReviewsCanary\] 'canaryWeight' is 120; it must be a percentage between 0 and 100/],
    ['negative weight', { canaryWeight: -1 }, /'canaryWeight' is -1; it must be a percentage/],
    ['fractional weight', { canaryWeight: 2.5 }, /'canaryWeight' is 2.5; it must be an integer/],
    ['same versions', { canary: 'v1' }, /'canary' is "v1"; it is the same version as 'stable'/],
    ['non-increasing steps', { steps: [{ weight: 5, pause: Duration.minutes(1) }] }, /'steps\[0\].weight' is 5; it must be greater than the previous weight 10/],
    ['zero pause', { steps: [{ weight: 50, pause: Duration.seconds(0) }] }, /'steps\[0\].pause' is "0ms"; it must be a positive/],
    ['error rate above 100', { steps: [{ weight: 50, pause: Duration.minutes(1), maxErrorRate: 101 }] }, /'steps\[0\].maxErrorRate' is 101/],
    ['zero minimum requests', { steps: [{ weight: 50, pause: Duration.minutes(1) }], minRequests: 0 }, /'minRequests' is 0; it must be an integer from 1/],
    ['zero traffic wait limit', { steps: [{ weight: 50, pause: Duration.minutes(1) }], trafficWaitLimit: Duration.seconds(0) }, /'trafficWaitLimit' is "0ms"; it must be a positive/],
    ['uppercase header', { alwaysCanaryHeader: { name: 'X-Canary', value: 'always' } }, /'alwaysCanaryHeader.name' is "X-Canary"/],
  ])('GIVEN %s WHEN constructed THEN it fails naming the path, prop and value', (_, props, message) => {
    expect(() => canary(props)).toThrow(message);
  });

  test('GIVEN a canary version the service lacks WHEN validated THEN the error names the construct, the subset and the known versions', () => {
    const { chart } = canary({ canary: 'v9' });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(
      /route of "test\/ReviewsCanary": 'subset' is "v9"; no such version\. Known subsets \(versions\) are \["v1","v2","v3"\]/)]);
  });

  test('GIVEN two canary releases on one service WHEN validated THEN the conflict names both construct paths', () => {
    const { chart, reviews } = canary();
    new CanaryRelease(chart, 'Other', { service: reviews, stable: 'v1', canary: 'v3', canaryWeight: 5 });
    expect(validationErrors(chart).join('\n')).toMatch(/routes of "test\/ReviewsCanary" and "test\/Other" have the same match \[\]/);
  });
});
