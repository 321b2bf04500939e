import { translateAuthorizationPolicies } from '../../src/xds/translate/security/rbac';
import { parseRbacRuleName } from '../../src/xds/translate/security/rbac-naming';
import { ROOT_NAMESPACE, assertEncodes, authorizationPolicy, httpConnectionManager, HCM_TYPE } from './fixtures';

const WORKLOAD = { namespace: 'shop', labels: { app: 'cart' } };
const CONTEXT = { rootNamespace: ROOT_NAMESPACE, trustDomain: 'mesh.example' };

function translate(objects: ReturnType<typeof authorizationPolicy>[]) {
  const filters = translateAuthorizationPolicies(objects, WORKLOAD, CONTEXT) as any[];
  const hcm = httpConnectionManager(filters);
  assertEncodes(HCM_TYPE, hcm.typed_config as Record<string, unknown>);
  return filters.map((filter) => ({ action: filter.typed_config.rules.action, policies: filter.typed_config.rules.policies }));
}

const allowGet = authorizationPolicy('shop', 'allow-get', { action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
const denyAdmin = authorizationPolicy('shop', 'deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] });
const audit = authorizationPolicy('shop', 'audit', { action: 'AUDIT', rules: [{}] });

describe('AuthorizationPolicy → RBAC filters', () => {
  test.each([
    { case: 'no policy', objects: [], actions: [] },
    { case: 'only DENY', objects: [denyAdmin], actions: ['DENY'] },
    { case: 'only ALLOW', objects: [allowGet], actions: ['ALLOW'] },
    { case: 'ALLOW, DENY and AUDIT', objects: [allowGet, denyAdmin, audit], actions: ['LOG', 'DENY', 'ALLOW'] },
    { case: 'a DENY without rules', objects: [authorizationPolicy('shop', 'noop', { action: 'DENY' })], actions: [] },
    { case: 'a policy of another namespace', objects: [authorizationPolicy('billing', 'x', { rules: [{}] })], actions: [] },
    { case: 'a mesh-wide root policy', objects: [authorizationPolicy(ROOT_NAMESPACE, 'x', { action: 'DENY', rules: [{}] })], actions: ['DENY'] },
    { case: 'a root selector policy matching the workload', objects: [authorizationPolicy(ROOT_NAMESPACE, 'x', { selector: { matchLabels: { app: 'cart' } }, action: 'DENY', rules: [{}] })], actions: ['DENY'] },
    { case: 'a selector for another app', objects: [authorizationPolicy('shop', 'x', { selector: { matchLabels: { app: 'web' } }, rules: [{}] })], actions: [] },
  ])('GIVEN $case WHEN translated THEN the filters are $actions, DENY before ALLOW', ({ objects, actions }) => {
    expect(translate(objects).map((filter) => filter.action)).toEqual(actions);
  });

  test('GIVEN ALLOW, DENY and AUDIT policies WHEN translated THEN each filter counts per rule under its action\'s prefix, and the names read back to the policy', () => {
    const filters = translateAuthorizationPolicies([allowGet, denyAdmin, audit], WORKLOAD, CONTEXT) as any[];
    expect(filters.map((filter) => [filter.typed_config.rules_stat_prefix, filter.typed_config.track_per_rule_stats]))
      .toEqual([['audit.', true], ['deny.', true], ['allow.', true]]);
    const ruleNames = filters.flatMap((filter) => Object.keys(filter.typed_config.rules.policies));
    expect(ruleNames.map(parseRbacRuleName)).toEqual([
      { namespace: 'shop', name: 'audit', ruleIndex: 0 }, { namespace: 'shop', name: 'deny-admin', ruleIndex: 0 }, { namespace: 'shop', name: 'allow-get', ruleIndex: 0 },
    ]);
  });

  test('GIVEN an ALLOW policy with an empty spec WHEN translated THEN an ALLOW filter without policies denies everything', () => {
    expect(translate([authorizationPolicy('shop', 'deny-all', {})])).toEqual([{ action: 'ALLOW', policies: {} }]);
  });

  test('GIVEN an ALLOW rule with no from/to/when WHEN translated THEN it matches any request', () => {
    const [filter] = translate([authorizationPolicy('shop', 'allow-all', { rules: [{}] })]);
    expect(filter.policies['ns[shop]-policy[allow-all]-rule[0]']).toEqual({ permissions: [{ any: true }], principals: [{ any: true }] });
  });

  test.each([
    { principal: 'cluster.local/ns/web/sa/frontend', matcher: { exact: 'spiffe://mesh.example/ns/web/sa/frontend' } },
    { principal: 'other.domain/ns/web/sa/frontend', matcher: { exact: 'spiffe://other.domain/ns/web/sa/frontend' } },
    { principal: '*/sa/frontend', matcher: { suffix: '/sa/frontend' } },
    { principal: 'cluster.local/ns/web/*', matcher: { prefix: 'spiffe://mesh.example/ns/web/' } },
    { principal: '*', matcher: { safe_regex: { regex: '.+' } } },
  ])('GIVEN source principal $principal WHEN translated THEN the peer certificate URI SAN is matched by $matcher', ({ principal, matcher }) => {
    const [filter] = translate([authorizationPolicy('shop', 'p', { rules: [{ from: [{ source: { principals: [principal] } }] }] })]);
    expect(filter.policies['ns[shop]-policy[p]-rule[0]'].principals).toEqual([{ authenticated: { principal_name: matcher } }]);
  });

  test.each([
    { namespace: 'web', inside: 'spiffe://mesh.example/ns/web/sa/a', outside: 'spiffe://mesh.example/ns/web2/sa/a' },
    { namespace: 'team-*', inside: 'spiffe://mesh.example/ns/team-a/sa/x', outside: 'spiffe://mesh.example/ns/teamb/sa/x' },
  ])('GIVEN source namespace $namespace WHEN translated THEN its regex accepts $inside and rejects $outside', ({ namespace, inside, outside }) => {
    const [filter] = translate([authorizationPolicy('shop', 'p', { rules: [{ from: [{ source: { namespaces: [namespace] } }] }] })]);
    const regex = new RegExp(filter.policies['ns[shop]-policy[p]-rule[0]'].principals[0].authenticated.principal_name.safe_regex.regex);
    expect(regex.test(inside)).toBe(true);
    expect(regex.test(outside)).toBe(false);
  });

  test.each([
    { path: '/api/*', matcher: { prefix: '/api/' } },
    { path: '*.png', matcher: { suffix: '.png' } },
    { path: '/exact', matcher: { exact: '/exact' } },
  ])('GIVEN operation path $path WHEN translated THEN the URL path is matched by $matcher', ({ path, matcher }) => {
    const [filter] = translate([authorizationPolicy('shop', 'p', { rules: [{ to: [{ operation: { paths: [path] } }] }] })]);
    expect(filter.policies['ns[shop]-policy[p]-rule[0]'].permissions).toEqual([{ url_path: { path: matcher } }]);
  });

  test('GIVEN from, to and when WHEN translated THEN they are ANDed and the not-fields are negated', () => {
    const [filter] = translate([authorizationPolicy('shop', 'p', {
      rules: [{
        from: [{ source: { notPrincipals: ['cluster.local/ns/x/sa/y'] } }],
        to: [{ operation: { methods: ['GET', 'HEAD'], ports: ['8080'] } }],
        when: [{ key: 'request.headers[x-tenant]', values: ['a'] }],
      }],
    })]);
    const policy = filter.policies['ns[shop]-policy[p]-rule[0]'];

    expect(policy.principals[0].and_ids.ids[0]).toEqual({ not_id: { authenticated: { principal_name: { exact: 'spiffe://mesh.example/ns/x/sa/y' } } } });
    expect(policy.principals[0].and_ids.ids[1]).toEqual({ header: { name: 'x-tenant', string_match: { exact: 'a' } } });
    expect(policy.permissions[0].and_rules.rules).toHaveLength(2);
    expect(policy.permissions[0].and_rules.rules).toEqual(expect.arrayContaining([
      { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }, { header: { name: ':method', string_match: { exact: 'HEAD' } } }] } },
      { destination_port: 8080 },
    ]));
  });

  test.each([
    { value: 'https://issuer.example/alice', paths: [['payload', 'iss'], ['payload', 'sub']] },
    { value: 'https://issuer.example/*', paths: [['payload', 'iss']] },
    { value: '*', paths: [['payload', 'iss']] },
  ])('GIVEN requestPrincipals $value WHEN translated THEN the JWT claims $paths are matched in jwt_authn metadata', ({ value, paths }) => {
    const [filter] = translate([authorizationPolicy('shop', 'p', { rules: [{ from: [{ source: { requestPrincipals: [value] } }] }] })]);
    const serialized = JSON.stringify(filter.policies['ns[shop]-policy[p]-rule[0]'].principals);
    for (const path of paths) expect(serialized).toContain(JSON.stringify(path.map((key) => ({ key }))));
    expect(serialized).toContain('"filter":"envoy.filters.http.jwt_authn"');
    expect(serialized.includes('"key":"sub"')).toBe(paths.length === 2);
  });

  test.each([
    { spec: { action: 'CUSTOM', rules: [{}] }, message: 'AuthorizationPolicy shop/bad: spec.action "CUSTOM" is not supported; use ALLOW, DENY or AUDIT' },
    { spec: { rules: [{ when: [{ key: 'experimental.envoy.filters.x', values: ['a'] }] }] }, message: 'AuthorizationPolicy shop/bad: spec.rules[0].when[0].key "experimental.envoy.filters.x" is not supported; use one of' },
    { spec: { rules: [{ to: [{ operation: { ports: ['http'] } }] }] }, message: 'AuthorizationPolicy shop/bad: spec.rules[0].to[0].operation.ports: port "http" is not a port number' },
    { spec: { rules: [{ from: [{ source: { requestPrincipals: ['iss*/sub'] } }] }] }, message: 'spec.rules[0].from[0].source.requestPrincipals value "iss*/sub" is not supported' },
    { spec: { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/33'] } }] }] }, message: 'spec.rules[0].from[0].source.ipBlocks: "10.0.0.0/33" is not an IP address or CIDR block' },
  ])('GIVEN an unsupported value WHEN translated THEN the error names the policy, field and value: $message', ({ spec, message }) => {
    expect(() => translate([authorizationPolicy('shop', 'bad', spec)])).toThrow(message);
  });
});
