import { detailsRoutes } from './fixture-loader';

describe('route translation where Istio gives a field a meaning of its own', () => {
  test('GIVEN a route without match, then more routes WHEN translated THEN nothing after it is served (it takes every request)', () => {
    const routes = detailsRoutes(`
  - match: [{ uri: { prefix: /a } }]
    route: [{ destination: { host: details } }]
  - route: [{ destination: { host: details } }]
  - match: [{ uri: { prefix: /b } }]
    route: [{ destination: { host: details } }]`);
    expect(routes.map((route) => route.match)).toEqual([{ prefix: '/a' }, { prefix: '/' }]);
  });

  test('GIVEN a match block that takes every request (prefix /, no conditions) WHEN translated THEN the blocks and routes after it are left out', () => {
    const routes = detailsRoutes(`
  - match: [{ uri: { exact: /x } }, { uri: { prefix: / } }, { uri: { prefix: /y } }]
    route: [{ destination: { host: details } }]
  - match: [{ uri: { prefix: /z } }]
    route: [{ destination: { host: details } }]`);
    expect(routes.map((route) => route.match)).toEqual([{ path: '/x' }, { prefix: '/' }]);
  });

  test('GIVEN prefix / with a header condition WHEN translated THEN it is no catch-all and later routes stay', () => {
    const routes = detailsRoutes(`
  - match: [{ uri: { prefix: / }, headers: { x-user: { exact: a } } }]
    route: [{ destination: { host: details } }]
  - match: [{ uri: { regex: ".*" }, queryParams: { debug: { exact: "1" } } }]
    route: [{ destination: { host: details } }]
  - match: [{ uri: { regex: ".*" } }]
    route: [{ destination: { host: details } }]
  - route: [{ destination: { host: details } }]`);
    expect(routes).toHaveLength(3);
    expect(routes[2].match).toEqual({ safe_regex: { regex: '.*' } });
  });

  test('GIVEN regex "*" on a header, a query parameter and the authority WHEN ingested and translated THEN each means "present" (no regex is compiled)', () => {
    const [route] = detailsRoutes(`
  - match: [{ headers: { x-user: { regex: "*" } }, queryParams: { debug: { regex: "*" } }, authority: { regex: "*" } }]
    route: [{ destination: { host: details } }]`);
    expect(route.match.headers).toEqual([{ name: ':authority', present_match: true }, { name: 'x-user', present_match: true }]);
    expect(route.match.query_parameters).toEqual([{ name: 'debug', present_match: true }]);
  });

  test('GIVEN withoutHeaders comparing a value and one asking for presence WHEN translated THEN a missing header satisfies the first, as Istio treats it as empty', () => {
    const [route] = detailsRoutes(`
  - match: [{ withoutHeaders: { x-user: { exact: bot }, x-debug: { regex: "*" } } }]
    route: [{ destination: { host: details } }]`);
    expect(route.match.headers).toEqual([
      { name: 'x-debug', present_match: true, invert_match: true },
      { name: 'x-user', string_match: { exact: 'bot' }, invert_match: true, treat_missing_header_as_empty: true },
    ]);
  });

  test('GIVEN a uri regex "*" WHEN ingested THEN it is refused: in a URI it is a regex, and not one Envoy compiles', () => {
    expect(() => detailsRoutes(`
  - match: [{ uri: { regex: "*" } }]
    route: [{ destination: { host: details } }]`)).toThrow(/spec\.http\[0\]\.match\[0\]\.uri\.regex/);
  });

  test('GIVEN conditions on JWT claims (dotted, bracketed and nested, a presence check, under withoutHeaders) WHEN translated THEN they match the verified payload, not headers, and routes after them stay', () => {
    const [route, after] = detailsRoutes(`
  - match: [{ headers: { "@request.auth.claims.group": { exact: admin }, "@request.auth.claims[org][team]": { prefix: core }, "@request.auth.claims.sub": { regex: "*" }, x-user: { exact: a } }, withoutHeaders: { "@request.auth.claims.role": { exact: guest } } }]
    route: [{ destination: { host: details } }]
  - route: [{ destination: { host: details } }]`);
    const claim = (path: string[], value: Record<string, unknown>, invert = false) => ({
      filter: 'envoy.filters.http.jwt_authn',
      path: ['payload', ...path].map((key) => ({ key })),
      value: 'exact' in value || 'prefix' in value ? { or_match: { value_matchers: [{ list_match: { one_of: { string_match: value } } }, { string_match: value }] } } : value,
      ...(invert ? { invert: true } : {}),
    });

    expect(route.match.headers).toEqual([{ name: 'x-user', string_match: { exact: 'a' } }]);
    expect(route.match.dynamic_metadata).toEqual([
      claim(['group'], { exact: 'admin' }),
      claim(['sub'], { present_match: true }),
      claim(['org', 'team'], { prefix: 'core' }),
      claim(['role'], { exact: 'guest' }, true),
    ]);
    expect(after.match).toEqual({ prefix: '/' });
  });

  test('GIVEN only a claim condition on prefix / WHEN translated THEN it is no catch-all: the next route is served', () => {
    const routes = detailsRoutes(`
  - match: [{ headers: { "@request.auth.claims.group": { exact: admin } } }]
    route: [{ destination: { host: details } }]
  - route: [{ destination: { host: details } }]`);
    expect(routes.map((route) => route.match)).toEqual([{ prefix: '/', dynamic_metadata: [expect.objectContaining({ path: [{ key: 'payload' }, { key: 'group' }] })] }, { prefix: '/' }]);
  });
});
