/**
 * The ingest regex check agrees with real Envoy: every regex of the table that ingest accepts is
 * accepted by Envoy in a generated route config, and every one it rejects would have been
 * refused by Envoy. The route configs are generated from VirtualServices that skip ingest, as a
 * reconciler without the check would have served them.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { envoyRegexRefusal } from '../../src/model';
import { ingestDocuments } from '../../src/config/ingest';
import type { MeshObject } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { PushContext } from '../../src/push/push-context';
import { generateProxyResources } from '../../src/xds/generators';
import { BOOKINFO, productpageProxy } from '../generators/fixture-loader';
import { staticBootstrap } from '../support/static-bootstrap';
import { validateWithEnvoy } from '../translate-security/envoy-process';

const HOST = 'details';

/** Where a regex goes in an HTTP route: each places it in a different Envoy matcher. */
const PLACEMENTS: Record<string, (regex: string) => Record<string, unknown>> = {
  header: (regex) => ({ match: [{ headers: { 'x-user': { regex } } }] }),
  queryParam: (regex) => ({ match: [{ queryParams: { tier: { regex } } }] }),
  uri: (regex) => ({ match: [{ uri: { regex } }] }),
  authority: (regex) => ({ match: [{ authority: { regex } }] }),
  withoutHeaders: (regex) => ({ match: [{ withoutHeaders: { 'x-canary': { regex } } }] }),
  uriRegexRewrite: (regex) => ({ rewrite: { uriRegexRewrite: { match: regex, rewrite: '/' } } }),
};

interface RegexCase { readonly regex: string; readonly accepted: boolean; readonly why: string }

const TABLE: RegexCase[] = [
  { regex: 'jason', accepted: true, why: 'a literal' },
  { regex: '^/api/v[0-9]+/.*$', accepted: true, why: 'anchors, classes and .*' },
  { regex: '(?i)beta|canary', accepted: true, why: 'flags and alternation' },
  { regex: '(?P<tier>gold)-(?<zone>eu)', accepted: true, why: 'both named group syntaxes' },
  { regex: '\\C', accepted: true, why: 'any byte (C++ RE2 only; RE2 ports refuse it)' },
  { regex: '\\pL+', accepted: true, why: 'a Unicode class (Latin-1 letters only, program size 12)' },
  { regex: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', accepted: true, why: 'a UUID, program size 72' },
  { regex: '[[:alpha:]]\\d\\s\\w', accepted: true, why: 'POSIX and Perl classes' },
  { regex: 'a{96}', accepted: true, why: 'program size exactly 100' },
  { regex: 'a{97}', accepted: false, why: 'program size 101' },
  { regex: '\\x{100}', accepted: false, why: 'a character above Latin-1' },
  { regex: '(a{10}){100}', accepted: false, why: 'nested repetition within RE2 limits, program size 1204' },
  { regex: '(?=x)', accepted: false, why: 'lookahead' },
  { regex: '(?!x)y', accepted: false, why: 'negative lookahead' },
  { regex: '(?<=x)y', accepted: false, why: 'lookbehind' },
  { regex: '(a)\\1', accepted: false, why: 'backreference' },
  { regex: 'a++', accepted: false, why: 'possessive quantifier' },
  { regex: 'a{1001}', accepted: false, why: 'repetition count over 1000' },
  { regex: '(a{100}){100}', accepted: false, why: 'nested repetition over 1000' },
  { regex: '[z-a]', accepted: false, why: 'reversed range' },
  { regex: '(unclosed', accepted: false, why: 'unbalanced parenthesis' },
  { regex: '\\Z', accepted: false, why: 'Perl escape RE2 lacks' },
  { regex: '', accepted: false, why: 'empty' },
];

/** What Envoy's own message says for a refusal the check explains. */
function envoyWording(problem: string): string {
  const size = /program of (\d+) instructions/.exec(problem);
  if (size) {
    return `RE2 program size of ${size[1]} > max program size of 100`;
  }
  const re2Error = /\(RE2: "(.*)"\)$/.exec(problem);
  return re2Error ? re2Error[1] : 'value length must be at least 1';
}

const placementOf = (index: number) => Object.keys(PLACEMENTS)[index % Object.keys(PLACEMENTS).length];

describe('regex check against real Envoy', () => {
  const bookinfo = ingestDocuments(BOOKINFO.map((file) => ({ source: file, text: readFileSync(join(__dirname, '..', 'fixtures', file), 'utf8') }))).objects;

  /** Envoy's verdict on a route config whose routes carry the given regexes; undefined when accepted. */
  const envoyRefusal = (routes: Record<string, unknown>[]): string | undefined => {
    const virtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'details', namespace: 'bookinfo' },
      spec: { hosts: [HOST], http: routes.map((route) => ({ ...route, route: [{ destination: { host: HOST } }] })) },
    } as unknown as MeshObject;
    const context = PushContext.build([...bookinfo, virtualService], DEFAULT_MESH_SETTINGS);
    try {
      validateWithEnvoy(staticBootstrap(productpageProxy(), generateProxyResources(context, productpageProxy())));
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

  test('GIVEN the table WHEN each regex is checked THEN the check gives the expected verdict', () => {
    const verdicts = TABLE.map(({ regex }) => envoyRegexRefusal(regex) === undefined);

    expect(verdicts).toEqual(TABLE.map(({ accepted }) => accepted));
  });

  test('GIVEN every regex the check accepts, each in a different matcher WHEN Envoy loads the route config THEN Envoy accepts it', () => {
    const routes = TABLE.map((entry, index) => ({ entry, index })).filter(({ entry }) => envoyRegexRefusal(entry.regex) === undefined)
      .map(({ entry, index }) => PLACEMENTS[placementOf(index)](entry.regex));

    expect(routes.length).toBeGreaterThan(5);
    expect(envoyRefusal(routes)).toBeUndefined();
  });

  test.each(TABLE.map((entry, index) => ({ ...entry, placement: placementOf(index) })).filter((entry) => !entry.accepted))(
    'GIVEN $regex ($why) in a $placement match WHEN the check rejects it THEN Envoy refuses the route config for that regex',
    ({ regex, placement }) => {
      expect(envoyRegexRefusal(regex)).toBeDefined();

      const refusal = envoyRefusal([PLACEMENTS[placement](regex)]);

      expect(refusal).toBeDefined();
      expect(refusal).toContain(envoyWording(envoyRegexRefusal(regex)!.problem));
    },
  );
});
