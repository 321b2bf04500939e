import { Testing } from 'cdk8s';
import { bookinfoChart, errorOf, specOf } from './fixtures';
import { ABTest, HttpMatch } from '../../src';
import { expectValidManifests } from '../support/istio-validation';

// Regexes given to HttpMatch are checked at synth time with the same RE2 check the reconciler
// applies, so a construct never produces a route Envoy refuses.

function abTestWith(match: HttpMatch) {
  const { chart, reviews } = bookinfoChart();
  new ABTest(chart, 'Experiment', { service: reviews, variants: [{ version: 'v1' }], rules: [{ match: [match], version: 'v2' }] });
  return Testing.synth(chart);
}

describe('HttpMatch regexes', () => {
  test.each([
    { what: 'header', match: () => HttpMatch.header('end-user').regex('(?=jason)'), says: 'not an RE2 regex: RE2 has no lookahead or lookbehind' },
    { what: 'query parameter', match: () => HttpMatch.queryParam('tier').regex('(gold)\\1'), says: 'RE2 has no backreferences' },
    { what: 'header', match: () => HttpMatch.header('x-id').regex('[0-9]{200}'), says: 'compiles to an RE2 program of 204 instructions, more than the 100 Envoy accepts' },
    { what: 'header', match: () => HttpMatch.header('x-id').regex(''), says: 'empty, and Envoy requires a non-empty regex' },
  ])('GIVEN a $what regex Envoy refuses WHEN synthesized THEN the error names the construct path, the value and the fix', ({ match, says }) => {
    const message = errorOf(() => abTestWith(match()));

    expect(message).toMatch(/^\[test\/Experiment\] 'rules\[0\]\.match\[0\]' is ".*"; Envoy would refuse it: /);
    expect(message).toContain(says);
    expect(message).toMatch(/\. [A-Z][^.]*\.?/);
  });

  test('GIVEN a cookie value regex that makes the cookie regex too large WHEN synthesized THEN the error quotes the value and the built regex', () => {
    const message = errorOf(() => abTestWith(HttpMatch.cookie('session', '[a-f0-9]{80}')));

    expect(message).toContain('[test/Experiment] \'rules[0].match[0]\' is "[a-f0-9]{80}"; Envoy would refuse the regex built from it ("^(.*?;\\\\s*)?session=([a-f0-9]{80})(;.*)?$"): ');
    expect(message).toContain('more than the 100 Envoy accepts');
  });

  test('GIVEN regexes Envoy accepts WHEN synthesized THEN they are rendered unchanged and pass the CRD validator', () => {
    const manifests = abTestWith(HttpMatch.header('end-user').regex('(?i)jason|\\C'));
    const cookieManifests = abTestWith(HttpMatch.cookie('group', 'beta|gamma'));

    expect(specOf(manifests, 'VirtualService', 'reviews').http[0].match[0].headers['end-user']).toEqual({ regex: '(?i)jason|\\C' });
    expect(specOf(cookieManifests, 'VirtualService', 'reviews').http[0].match[0].headers.cookie.regex).toBe('^(.*?;\\s*)?group=(beta|gamma)(;.*)?$');
    expectValidManifests([...manifests, ...cookieManifests]);
  });
});
