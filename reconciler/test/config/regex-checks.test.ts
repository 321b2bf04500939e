/** Ingest rejects objects carrying a regex Envoy would refuse, naming the file, field, value and fix. */
import { ingestDocuments } from '../../src/config/ingest';

const virtualService = (name: string, match: unknown) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: shop }
spec:
  hosts: [reviews]
  http:
  - match: [${JSON.stringify(match)}]
    route: [{ destination: { host: reviews } }]
`;

const authorizationPolicy = (namespace: string) => `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: from-frontend, namespace: shop }
spec:
  rules:
  - from: [{ source: { namespaces: [${JSON.stringify(namespace)}] } }]
`;

describe('regex checks at ingest', () => {
  test('GIVEN a VirtualService with a lookahead next to a valid one WHEN ingested THEN only it is rejected, naming file, document, field, value and fix', () => {
    const text = [virtualService('good', { uri: { regex: '/reviews/[0-9]+' } }), virtualService('lookahead', { headers: { 'end-user': { regex: '(?=x)' } } })].join('---\n');

    const result = ingestDocuments([{ source: 'routes.yaml', text }]);

    expect(result.objects.map((object) => object.metadata.name)).toEqual(['good']);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0].reasons).toEqual([
      'VirtualService shop/lookahead (routes.yaml document 2): spec.http[0].match[0].headers.end-user.regex: Envoy would refuse "(?=x)": '
      + 'not an RE2 regex: RE2 has no lookahead or lookbehind (RE2: "invalid perl operator: (?="). '
      + 'Match the wanted text directly, or express the exclusion as a separate condition (a withoutHeaders match negates one).',
    ]);
  });

  test.each([
    { field: 'queryParams', match: { queryParams: { v: { regex: 'a++' } } }, path: 'spec.http[0].match[0].queryParams.v.regex', says: 'possessive' },
    { field: 'withoutHeaders', match: { withoutHeaders: { 'x-b': { regex: '(a)\\1' } } }, path: 'spec.http[0].match[0].withoutHeaders.x-b.regex', says: 'backreferences' },
    { field: 'authority', match: { authority: { regex: 'a{97}' } }, path: 'spec.http[0].match[0].authority.regex', says: 'program of 101 instructions, more than the 100 Envoy accepts' },
    { field: 'uri', match: { uri: { regex: '' } }, path: 'spec.http[0].match[0].uri.regex', says: 'empty, and Envoy requires a non-empty regex' },
  ])('GIVEN a $field regex Envoy refuses WHEN ingested THEN the reason names $path', ({ match, path, says }) => {
    const { objects, rejected } = ingestDocuments([{ source: 'r.yaml', text: virtualService('bad', match) }]);

    expect(objects).toEqual([]);
    expect(rejected[0].reasons[0]).toContain(`${path}: Envoy would refuse`);
    expect(rejected[0].reasons[0]).toContain(says);
  });

  test('GIVEN a 5000-character regex WHEN rejected THEN the quoted value is cut to 200 characters with its length', () => {
    const regex = `(?=${'a'.repeat(5000)})`;

    const { rejected } = ingestDocuments([{ source: 'r.yaml', text: virtualService('long', { uri: { regex } }) }]);

    expect(rejected[0].reasons[0]).toContain(`"${regex.slice(0, 200)}…" (5004 characters)`);
    expect(rejected[0].reasons[0].length).toBeLessThan(800);
  });

  test('GIVEN a long regex RE2 quotes whole in its error WHEN rejected THEN that quote is cut too', () => {
    const regex = `(${'b'.repeat(5000)}`;

    const { rejected } = ingestDocuments([{ source: 'r.yaml', text: virtualService('unclosed', { uri: { regex } }) }]);

    expect(rejected[0].reasons[0]).toContain(`(RE2: "missing ): (${'b'.repeat(188)}…")`);
    expect(rejected[0].reasons[0].length).toBeLessThan(900);
  });

  test('GIVEN a CORS origin and a regex rewrite Envoy refuses WHEN ingested THEN both fields are named', () => {
    const text = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cors, namespace: shop }
spec:
  hosts: [reviews]
  http:
  - corsPolicy: { allowOrigins: [{ exact: "https://a.example" }, { regex: "https://(?!evil).*" }] }
    rewrite: { uriRegexRewrite: { match: "^/old(?=/)", rewrite: "/new" } }
    route: [{ destination: { host: reviews } }]
`;
    const { rejected } = ingestDocuments([{ source: 'cors.yaml', text }]);

    expect(rejected[0].reasons.map((reason) => /: (spec\.[^:]+): /.exec(reason)?.[1])).toEqual([
      'spec.http[0].corsPolicy.allowOrigins[1].regex',
      'spec.http[0].rewrite.uriRegexRewrite.match',
    ]);
  });

  test('GIVEN an AuthorizationPolicy whose namespace yields a peer regex Envoy refuses WHEN ingested THEN it is rejected; a usual namespace is not', () => {
    const tooLong = 'n'.repeat(90);

    const rejected = ingestDocuments([{ source: 'p.yaml', text: authorizationPolicy(tooLong) }]).rejected;
    const accepted = ingestDocuments([{ source: 'p.yaml', text: authorizationPolicy('frontend-*') }]);

    expect(rejected[0].reasons[0]).toContain(`spec.rules[0].from[0].source.namespaces[0]: the peer identity regex built for namespace "${tooLong}" would be refused by Envoy: compiles to an RE2 program of`);
    expect(accepted.rejected).toEqual([]);
    expect(accepted.objects).toHaveLength(1);
  });
});
