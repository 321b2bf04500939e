import { Duration, Testing } from 'cdk8s';
import { bookinfoChart, errorOf, REVIEWS_HOST, specOf, validationErrors } from './fixtures';
import { ABTest, ABTestProps, HttpMatch, StickySession } from '../../src';
import { expectValidManifests } from '../support/istio-validation';

function abTest(props: Partial<ABTestProps>) {
  const fixture = bookinfoChart();
  const test = new ABTest(fixture.chart, 'Experiment', { service: fixture.reviews, ...props });
  return { ...fixture, test };
}

describe('ABTest', () => {
  test.each([
    [[{ version: 'v1' }, { version: 'v2' }], [50, 50]],
    [[{ version: 'v1' }, { version: 'v2' }, { version: 'v3' }], [34, 33, 33]],
    [[{ version: 'v1', weight: 70 }, { version: 'v2' }, { version: 'v3' }], [70, 15, 15]],
    [[{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }], [90, 10]],
  ])('GIVEN variants %j WHEN synthesized THEN the weights are %j and sum to exactly 100', (variants, weights) => {
    const { chart, test } = abTest({ variants });
    const manifests = Testing.synth(chart);
    const route = specOf(manifests, 'VirtualService', 'reviews').http[0].route;

    expect(route.map((destination: any) => destination.weight)).toEqual(weights);
    expect(route.map((destination: any) => destination.destination.subset)).toEqual(variants.map(variant => variant.version));
    expect(Object.values(test.weights).reduce((sum, weight) => sum + weight, 0)).toBe(100);
    expectValidManifests(manifests);
  });

  test.each<[string, HttpMatch, object]>([
    ['header exact', HttpMatch.header('end-user').exact('jason'), { headers: { 'end-user': { exact: 'jason' } } }],
    ['header prefix', HttpMatch.header('user-agent').prefix('Mobile'), { headers: { 'user-agent': { prefix: 'Mobile' } } }],
    ['header regex', HttpMatch.header('x-tier').regex('gold|platinum'), { headers: { 'x-tier': { regex: 'gold|platinum' } } }],
    ['cookie', HttpMatch.cookie('group', 'beta.*'), { headers: { cookie: { regex: '^(.*?;\\s*)?group=(beta.*)(;.*)?$' } } }],
    ['query parameter', HttpMatch.queryParam('variant').exact('b'), { queryParams: { variant: { exact: 'b' } } }],
    ['path prefix', HttpMatch.pathPrefix('/api/v2'), { uri: { prefix: '/api/v2' } }],
  ])('GIVEN a %s rule WHEN synthesized THEN its route matches it and goes to the variant', (_, condition, match) => {
    const { chart } = abTest({ variants: [{ version: 'v1' }, { version: 'v2' }], rules: [{ match: [condition], version: 'v3' }] });
    const manifests = Testing.synth(chart);
    const http = specOf(manifests, 'VirtualService', 'reviews').http;

    expect(http[0]).toEqual({ name: 'experiment-rule-0', match: [match], route: [{ destination: { host: REVIEWS_HOST, subset: 'v3' } }] });
    expect(http[1].name).toBe('experiment');
    expectValidManifests(manifests);
  });

  test('GIVEN a source service rule WHEN synthesized THEN it matches the caller\'s app label and namespace', () => {
    const fixture = bookinfoChart();
    new ABTest(fixture.chart, 'Experiment', {
      service: fixture.reviews, rules: [{ match: [HttpMatch.sourceService(fixture.productpage)], version: 'v2', name: 'from-productpage' }],
    });
    const manifests = Testing.synth(fixture.chart);
    const http = specOf(manifests, 'VirtualService', 'reviews').http;

    expect(http[0]).toMatchObject({ name: 'from-productpage', match: [{ sourceLabels: { app: 'productpage' }, sourceNamespace: 'bookinfo' }] });
    expect(http[1].name).toBe('default');
    expectValidManifests(manifests);
  });

  test.each<[string, StickySession, object]>([
    ['cookie', StickySession.cookie('ab', Duration.minutes(30), '/'), { httpCookie: { name: 'ab', ttl: '1800s', path: '/' } }],
    ['header', StickySession.header('x-user-id'), { httpHeaderName: 'x-user-id' }],
  ])('GIVEN a sticky %s WHEN synthesized THEN the DestinationRule hashes on it', (_, stickySession, consistentHash) => {
    const { chart } = abTest({ variants: [{ version: 'v1' }, { version: 'v2' }], stickySession });
    const manifests = Testing.synth(chart);
    expect(specOf(manifests, 'DestinationRule', 'reviews').trafficPolicy).toEqual({ loadBalancer: { consistentHash } });
    expectValidManifests(manifests);
  });

  test('GIVEN mirroring WHEN synthesized THEN every route copies the percentage to the mirror version', () => {
    const { chart } = abTest({
      variants: [{ version: 'v1' }],
      rules: [{ match: [HttpMatch.header('a').exact('b')], version: 'v2' }],
      mirrorVersion: 'v3',
      mirrorPercentage: 5,
    });
    const manifests = Testing.synth(chart);
    const http = specOf(manifests, 'VirtualService', 'reviews').http;

    expect(http).toHaveLength(2);
    for (const route of http) {
      expect(route).toMatchObject({ mirror: { host: REVIEWS_HOST, subset: 'v3' }, mirrorPercentage: { value: 5 } });
    }
    expectValidManifests(manifests);
  });

  test.each<[string, Partial<ABTestProps>, RegExp]>([
    ['nothing to do', {}, /'variants' is \[\]; an A\/B test needs variants, rules/],
    ['weights above 100', { variants: [{ version: 'v1', weight: 60 }, { version: 'v2', weight: 50 }] }, /the weights sum to 110; they must sum to exactly 100/],
    ['weights below 100', { variants: [{ version: 'v1', weight: 60 }, { version: 'v2', weight: 30 }] }, /the weights sum to 90/],
    ['a weight out of range', { variants: [{ version: 'v1', weight: 120 }] }, /'variants\[0\].weight' is 120; it must be a percentage/],
    ['a version twice', { variants: [{ version: 'v1' }, { version: 'v1' }] }, /'variants\[1\].version' is "v1"; the version is listed twice/],
    ['a rule after a catch-all rule', { rules: [{ match: [], version: 'v1' }, { match: [HttpMatch.header('a').exact('b')], version: 'v2' }] },
      /'rules\[1\]' is \["header \\"a\\" exact \\"b\\""\]; rule 0 matches every request, so this rule would never be reached/],
    ['a duplicate rule', { rules: [{ match: [HttpMatch.header('a').exact('b')], version: 'v1' }, { match: [HttpMatch.header('a').exact('b')], version: 'v2' }] },
      /'rules\[1\].match' .*rule 0 has the same conditions/],
    ['two conditions on one header', { rules: [{ match: [HttpMatch.header('a').exact('b'), HttpMatch.header('a').prefix('c')], version: 'v1' }] },
      /'rules\[0\].match\[1\]' is "header \\"a\\" prefix \\"c\\""; another condition of the same rule already checks a/],
    ['an uppercase header', { rules: [{ match: [HttpMatch.header('End-User').exact('x')], version: 'v1' }] }, /'rules\[0\].match\[0\]' is "End-User"/],
    ['a mirror percentage above 100', { mirrorVersion: 'v3', mirrorPercentage: 150 }, /'mirrorPercentage' is 150/],
    ['a mirror percentage without mirror', { variants: [{ version: 'v1' }], mirrorPercentage: 10 }, /'mirrorPercentage' is 10; it has no effect/],
  ])('GIVEN %s WHEN constructed THEN it fails with the path, prop and value', (_, props, message) => {
    const error = errorOf(() => abTest(props));
    expect(error).toMatch(/^\[test\/Experiment\] /);
    expect(error).toMatch(message);
  });

  test('GIVEN a mirror version the service lacks WHEN validated THEN the error names the prop and the known versions', () => {
    const { chart } = abTest({ mirrorVersion: 'v7' });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/\[test\/Experiment\] 'mirrorVersion' is "v7"; "test\/reviews" has no such version/)]);
  });

  test('GIVEN a source service of another app WHEN constructed THEN it fails telling to declare it in the same app', () => {
    const other = bookinfoChart();
    const fixture = bookinfoChart();
    expect(() => new ABTest(fixture.chart, 'Experiment', {
      service: fixture.reviews, rules: [{ match: [HttpMatch.sourceService(other.productpage)], version: 'v2' }],
    })).toThrow(/'rules\[0\].match\[0\]' is "test\/productpage"; the service is not part of this app/);
  });
});
