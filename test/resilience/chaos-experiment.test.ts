import { Duration, Testing } from 'cdk8s';
import { AbortFault, ABTest, CanaryRelease, ChaosExperiment, ChaosExperimentProps, GrpcStatus, HttpMatch } from '../../src';
import { expectValidManifests } from '../support/istio-validation';
import { bookinfoChart, errorOf, REVIEWS_HOST, specOf, validationErrors } from '../traffic/fixtures';

const WINDOW = 'mesh.cdk8s.io/chaos-window';

function reviewsVirtualService(manifests: any[]): any {
  return manifests.find(m => m.kind === 'VirtualService' && m.metadata.name === 'reviews');
}

describe('ChaosExperiment', () => {
  test.each<[string, Partial<ChaosExperimentProps>, object]>([
    ['a delay', { delay: { fixedDelay: Duration.seconds(7), percentage: 10 } }, { delay: { fixedDelay: '7s', percentage: { value: 10 } } }],
    ['an HTTP abort', { abort: AbortFault.httpStatus(503) }, { abort: { httpStatus: 503, percentage: { value: 100 } } }],
    ['a gRPC abort', { abort: AbortFault.grpcStatus(GrpcStatus.UNAVAILABLE, 25) }, { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 25 } } }],
    ['delay and abort', { delay: { fixedDelay: Duration.millis(1500) }, abort: AbortFault.httpStatus(500, 1) },
      { delay: { fixedDelay: '1500ms', percentage: { value: 100 } }, abort: { httpStatus: 500, percentage: { value: 1 } } }],
  ])('GIVEN %s for every request WHEN synthesized THEN the service\'s routes carry the fault', (_, props, fault) => {
    const { chart, reviews } = bookinfoChart();
    new ChaosExperiment(chart, 'Chaos', { service: reviews, ...props });
    const manifests = Testing.synth(chart);

    expect(specOf(manifests, 'VirtualService', 'reviews').http).toEqual([{ name: 'default', route: [{ destination: { host: REVIEWS_HOST } }], fault }]);
    expectValidManifests(manifests);
  });

  test('GIVEN a fault for matching users WHEN synthesized THEN its own route comes first and keeps the catch-all destinations', () => {
    const { chart, reviews } = bookinfoChart();
    new CanaryRelease(chart, 'Canary', { service: reviews, stable: 'v1', canary: 'v2', canaryWeight: 30 });
    new ChaosExperiment(chart, 'JasonDelay', {
      service: reviews, match: [HttpMatch.header('end-user').exact('jason')], delay: { fixedDelay: Duration.seconds(7) },
    });
    const manifests = Testing.synth(chart);
    const http = specOf(manifests, 'VirtualService', 'reviews').http;

    expect(http.map((route: any) => route.name)).toEqual(['jason-delay', 'canary']);
    expect(http[0].route).toEqual(http[1].route);
    expect(http[1].fault).toBeUndefined();
    expectValidManifests(manifests);
  });

  test('GIVEN a matched fault for one version WHEN synthesized THEN the matching requests go to that version', () => {
    const { chart, reviews } = bookinfoChart();
    new ChaosExperiment(chart, 'V3Abort', { service: reviews, version: 'v3', match: [HttpMatch.header('x-test').exact('1')], abort: AbortFault.httpStatus(500) });
    const manifests = Testing.synth(chart);
    expect(specOf(manifests, 'VirtualService', 'reviews').http[0].route).toEqual([{ destination: { host: REVIEWS_HOST, subset: 'v3' } }]);
    expectValidManifests(manifests);
  });

  test('GIVEN an unmatched fault for one version WHEN synthesized THEN only the routes to that version alone get it', () => {
    const { chart, reviews } = bookinfoChart();
    new ABTest(chart, 'Experiment', { service: reviews, variants: [{ version: 'v1' }], rules: [{ match: [HttpMatch.header('a').exact('b')], version: 'v3' }] });
    new ChaosExperiment(chart, 'V3Abort', { service: reviews, version: 'v3', abort: AbortFault.httpStatus(500) });
    const http = specOf(Testing.synth(chart), 'VirtualService', 'reviews').http;
    expect(http.map((route: any) => [route.name, route.fault?.abort?.httpStatus])).toEqual([['experiment-rule-0', 500], ['experiment', undefined]]);
  });

  test('GIVEN time-boxed experiments WHEN synthesized THEN the window annotation lists every faulted route with UTC start and end', () => {
    const { chart, reviews } = bookinfoChart();
    new ChaosExperiment(chart, 'Matched', {
      service: reviews,
      match: [HttpMatch.header('x-chaos').exact('1')],
      abort: AbortFault.httpStatus(503),
      startTime: '2024-05-01T11:00:00+02:00',
      duration: Duration.minutes(90),
    });
    new ChaosExperiment(chart, 'Everyone', {
      service: reviews, delay: { fixedDelay: Duration.seconds(1) }, startTime: '2024-05-02T00:00:00Z', duration: Duration.hours(2),
    });
    const manifests = Testing.synth(chart);

    expect(JSON.parse(reviewsVirtualService(manifests).metadata.annotations[WINDOW])).toEqual([
      { route: 'matched', start: '2024-05-01T09:00:00.000Z', end: '2024-05-01T10:30:00.000Z' },
      { route: 'matched', start: '2024-05-02T00:00:00.000Z', end: '2024-05-02T02:00:00.000Z' },
      { route: 'default', start: '2024-05-02T00:00:00.000Z', end: '2024-05-02T02:00:00.000Z' },
    ]);
    expectValidManifests(manifests);
  });

  test('GIVEN no window WHEN synthesized THEN the VirtualService has no window annotation', () => {
    const { chart, reviews } = bookinfoChart();
    new ChaosExperiment(chart, 'Chaos', { service: reviews, abort: AbortFault.httpStatus(503) });
    expect(reviewsVirtualService(Testing.synth(chart)).metadata.annotations[WINDOW]).toBeUndefined();
  });

  test('GIVEN two unmatched aborts on the same routes WHEN validated THEN the conflict names both experiments', () => {
    const { chart, reviews } = bookinfoChart();
    new ChaosExperiment(chart, 'First', { service: reviews, abort: AbortFault.httpStatus(503) });
    new ChaosExperiment(chart, 'Second', { service: reviews, abort: AbortFault.httpStatus(500) });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/http route field 'fault.abort.httpStatus' is set by both "test\/First" and "test\/Second"/)]);
  });

  test('GIVEN one experiment delaying and another aborting the same routes WHEN synthesized THEN the route carries both faults', () => {
    const { chart, reviews } = bookinfoChart();
    new ChaosExperiment(chart, 'Abort', { service: reviews, abort: AbortFault.httpStatus(503, 10) });
    new ChaosExperiment(chart, 'Delay', { service: reviews, delay: { fixedDelay: Duration.seconds(1), percentage: 20 } });
    expect(validationErrors(chart)).toEqual([]);
    expect(specOf(Testing.synth(chart), 'VirtualService', 'reviews').http[0].fault).toEqual({
      abort: { httpStatus: 503, percentage: { value: 10 } }, delay: { fixedDelay: '1s', percentage: { value: 20 } },
    });
  });

  test.each<[string, Partial<ChaosExperimentProps>, RegExp]>([
    ['no fault', {}, /'delay' is undefined; a chaos experiment needs a delay, an abort or both/],
    ['a delay percentage above 100', { delay: { fixedDelay: Duration.seconds(1), percentage: 101 } }, /'delay.percentage' is 101/],
    ['a zero delay', { delay: { fixedDelay: Duration.seconds(0) } }, /'delay.fixedDelay' is "0ms"; it must be a positive/],
    ['a negative abort percentage', { abort: AbortFault.httpStatus(503, -5) }, /'abort.percentage' is -5/],
    ['an HTTP status out of range', { abort: AbortFault.httpStatus(700) }, /'abort' is 700; an HTTP status must be an integer between 200 and 599/],
    ['a start without duration', { abort: AbortFault.httpStatus(503), startTime: '2024-05-01T09:00:00Z' }, /'duration' is undefined; a time window needs both/],
    ['a start time without zone', { abort: AbortFault.httpStatus(503), startTime: '2024-05-01T09:00:00', duration: Duration.hours(1) },
      /'startTime' is "2024-05-01T09:00:00"; it must be an ISO 8601 date-time with a time zone/],
    ['a zero duration', { abort: AbortFault.httpStatus(503), startTime: '2024-05-01T09:00:00Z', duration: Duration.seconds(0) }, /'duration' is "0ms"/],
  ])('GIVEN %s WHEN constructed THEN it fails naming the path, prop and value', (_, props, message) => {
    const { chart, reviews } = bookinfoChart();
    const error = errorOf(() => new ChaosExperiment(chart, 'Chaos', { service: reviews, ...props }));
    expect(error).toMatch(/^\[test\/Chaos\] /);
    expect(error).toMatch(message);
  });
});
