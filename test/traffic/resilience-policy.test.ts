import { Duration, Testing } from 'cdk8s';
import { bookinfoChart, errorOf, specOf, validationErrors } from './fixtures';
import { ABTest, HttpMatch, ResiliencePolicy, ResiliencePolicyProps, RetryOn } from '../../src';
import { expectValidManifests } from '../support/istio-validation';

describe('ResiliencePolicy', () => {
  test('GIVEN retries and a timeout for the service WHEN synthesized THEN every route gets them, retryOn as a sorted set', () => {
    const { chart, reviews } = bookinfoChart();
    new ABTest(chart, 'Experiment', { service: reviews, variants: [{ version: 'v1' }], rules: [{ match: [HttpMatch.header('a').exact('b')], version: 'v2' }] });
    new ResiliencePolicy(chart, 'Resilience', {
      service: reviews,
      timeout: Duration.seconds(2),
      retries: { attempts: 3, perTryTimeout: Duration.millis(500), retryOn: [RetryOn.RESET, RetryOn.GATEWAY_ERROR, RetryOn.RESET] },
    });
    const manifests = Testing.synth(chart);
    const http = specOf(manifests, 'VirtualService', 'reviews').http;

    expect(http).toHaveLength(2);
    for (const route of http) {
      expect(route).toMatchObject({ timeout: '2s', retries: { attempts: 3, perTryTimeout: '500ms', retryOn: 'gateway-error,reset' } });
    }
    expectValidManifests(manifests);
  });

  test('GIVEN a policy for one version WHEN synthesized THEN only routes sending everything to that version get it', () => {
    const { chart, reviews } = bookinfoChart();
    new ABTest(chart, 'Experiment', { service: reviews, variants: [{ version: 'v1' }], rules: [{ match: [HttpMatch.header('a').exact('b')], version: 'v2' }] });
    new ResiliencePolicy(chart, 'V2Timeout', { service: reviews, version: 'v2', timeout: Duration.seconds(1) });
    const manifests = Testing.synth(chart);
    const http = specOf(manifests, 'VirtualService', 'reviews').http;

    expect(http.map((route: any) => [route.name, route.timeout])).toEqual([['experiment-rule-0', '1s'], ['experiment', undefined]]);
    expectValidManifests(manifests);
  });

  test('GIVEN a policy for a version no route isolates WHEN validated THEN the error explains that it would apply to nothing', () => {
    const { chart, reviews } = bookinfoChart();
    new ResiliencePolicy(chart, 'V2Timeout', { service: reviews, version: 'v2', timeout: Duration.seconds(1) });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/route policy of "test\/V2Timeout" is for version "v2", but no route sends all its requests/)]);
  });

  test('GIVEN two policies setting the timeout of the same routes WHEN validated THEN the conflict names both', () => {
    const { chart, reviews } = bookinfoChart();
    new ResiliencePolicy(chart, 'First', { service: reviews, timeout: Duration.seconds(1) });
    new ResiliencePolicy(chart, 'Second', { service: reviews, timeout: Duration.seconds(2) });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/http route field 'timeout' is set by both "test\/First" and "test\/Second"/)]);
  });

  test.each<[string, Partial<ResiliencePolicyProps>, RegExp]>([
    ['neither retries nor timeout', {}, /'retries' is undefined; a resilience policy needs retries or a timeout/],
    ['negative attempts', { retries: { attempts: -1 } }, /'retries.attempts' is -1; it must be an integer from 0 to 2147483647/],
    ['a zero timeout', { timeout: Duration.seconds(0) }, /'timeout' is "0ms"; it must be a positive/],
    ['a timeout below a millisecond', { timeout: Duration.seconds(0.0001) }, /'timeout' is "0\.1 millis"; it must be a positive whole number of milliseconds/],
    ['attempts beyond int32', { retries: { attempts: 2 ** 31 } }, /'retries.attempts' is 2147483648; it must be an integer from 0 to 2147483647/],
    ['a per-try timeout above the timeout', { timeout: Duration.seconds(1), retries: { attempts: 2, perTryTimeout: Duration.seconds(3) } },
      /'retries.perTryTimeout' is "3s"; it is longer than 'timeout' \(1s\)/],
  ])('GIVEN %s WHEN constructed THEN it fails naming the path, prop and value', (_, props, message) => {
    const { chart, reviews } = bookinfoChart();
    const error = errorOf(() => new ResiliencePolicy(chart, 'Resilience', { service: reviews, ...props }));
    expect(error).toMatch(/^\[test\/Resilience\] /);
    expect(error).toMatch(message);
  });
});
