import { Chart, Testing } from 'cdk8s';
import { AuthorizationRuleOptions, JwtAuthentication, JwtAuthenticationProps, Mesh, MeshService, MeshServicePort, ServiceAuthorization, ServiceProtocol } from '../../src';
import { expectValidManifests } from '../support/istio-validation';
import { bookinfoChart, errorOf, validationErrors } from '../traffic/fixtures';

const JWKS = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] });

function policy(manifests: any[], name: string): any {
  return manifests.find(m => m.kind === 'AuthorizationPolicy' && m.metadata.name === name);
}

/** A one-version `ledger` service in bookinfo with the given ports. */
function ledgerService(chart: Chart, mesh: Mesh, ports: MeshServicePort[]): MeshService {
  return new MeshService(chart, 'Ledger', { mesh, name: 'ledger', namespace: 'bookinfo', ports, versions: [{ name: 'v1', image: 'example/ledger:1' }] });
}

describe('ServiceAuthorization', () => {
  test('GIVEN allow and deny rules WHEN synthesized THEN ALLOW and DENY policies select the workload with SPIFFE principals of the mesh trust domain', () => {
    const { chart, reviews, productpage } = bookinfoChart({ trustDomain: 'corp.example' });
    const authz = new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews });
    authz.allow({ fromServices: [productpage], methods: ['GET'], paths: ['/reviews/*'], ports: [9080] });
    authz.allow({ fromNamespaces: ['monitoring'], paths: ['/metrics'] });
    authz.deny({ headers: { 'x-debug': ['1', 'true'] } });
    const manifests = Testing.synth(chart);

    expect(policy(manifests, 'reviews-allow').spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: ['corp.example/ns/bookinfo/sa/productpage'] } }],
          to: [{ operation: { methods: ['GET'], paths: ['/reviews/*'], ports: ['8080'] } }],
        },
        { from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { paths: ['/metrics'] } }] },
      ],
    });
    expect(policy(manifests, 'reviews-deny').spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      action: 'DENY',
      // Scoped to the HTTP port: a request attribute alone would also close TCP ports (istioctl's IST0133).
      rules: [{ to: [{ operation: { ports: ['8080'] } }], when: [{ key: 'request.headers[x-debug]', values: ['1', 'true'] }] }],
    });
    expect(policy(manifests, 'reviews-allow').metadata.namespace).toBe('bookinfo');
    expectValidManifests(manifests);
  });

  test('GIVEN defaultDeny and no rules WHEN synthesized THEN only a selector-only policy is emitted (no empty ALLOW policy)', () => {
    const { chart, reviews } = bookinfoChart();
    new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews, defaultDeny: true });
    const manifests = Testing.synth(chart);

    expect(manifests.filter(m => m.kind === 'AuthorizationPolicy').map(m => m.metadata.name)).toEqual(['reviews-default-deny']);
    expect(policy(manifests, 'reviews-default-deny').spec).toEqual({ selector: { matchLabels: { app: 'reviews' } } });
    expectValidManifests(manifests);
  });

  test('GIVEN a service with an HTTP and a TCP port WHEN a DENY rule names paths only THEN it applies to the HTTP port, and a caller-only DENY rule to every port', () => {
    const { chart, mesh } = bookinfoChart();
    const ledger = ledgerService(chart, mesh, [
      { port: 80, targetPort: 8080, protocol: ServiceProtocol.HTTP },
      { port: 7070, protocol: ServiceProtocol.TCP },
    ]);
    const authz = new ServiceAuthorization(chart, 'LedgerAuthz', { service: ledger });
    authz.deny({ paths: ['/admin/*'] });
    authz.deny({ fromNamespaces: ['untrusted'] });
    authz.deny({ methods: ['DELETE'], ports: [80] });
    const manifests = Testing.synth(chart);

    expect(policy(manifests, 'ledger-deny').spec.rules).toEqual([
      { to: [{ operation: { paths: ['/admin/*'], ports: ['8080'] } }] },
      { from: [{ source: { namespaces: ['untrusted'] } }] },
      { to: [{ operation: { methods: ['DELETE'], ports: ['8080'] } }] },
    ]);
    expectValidManifests(manifests);
  });

  test.each<[string, AuthorizationRuleOptions, RegExp]>([
    ['paths', { paths: ['/x'] }, /'deny\[0\]\.paths' is \["\/x"\]; "test\/Ledger" has no HTTP, HTTP2 or gRPC port/],
    ['a JWT', { requireJwt: true }, /'deny\[0\]\.requireJwt' is true; "test\/Ledger" has no HTTP, HTTP2 or gRPC port/],
  ])('GIVEN a TCP-only service WHEN a rule uses %s THEN it fails naming the rule and the fix', (_, rule, message) => {
    const { chart, mesh } = bookinfoChart();
    const ledger = ledgerService(chart, mesh, [{ port: 7070, protocol: ServiceProtocol.TCP }]);
    const error = errorOf(() => new ServiceAuthorization(chart, 'LedgerAuthz', { service: ledger }).deny(rule));
    expect(error).toMatch(message);
    expect(error).toMatch(/by caller \(fromServices, fromNamespaces\) and port only/);
  });

  test('GIVEN a rule requiring a JWT and a JwtAuthentication WHEN synthesized THEN the rule requires a request principal', () => {
    const { chart, reviews } = bookinfoChart();
    new JwtAuthentication(chart, 'Jwt', { service: reviews, issuer: 'https://issuer.example', jwks: JWKS, requiredPaths: [] });
    new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews }).allow({ requireJwt: true, paths: ['/admin/*'] });
    const manifests = Testing.synth(chart);

    expect(policy(manifests, 'reviews-allow').spec.rules).toEqual([{ from: [{ source: { requestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/admin/*'] } }] }]);
    expect(validationErrors(chart)).toEqual([]);
    expectValidManifests(manifests);
  });

  test('GIVEN a JwtAuthentication declared after the rule requiring a JWT WHEN validated THEN the rule is satisfied', () => {
    const { chart, reviews } = bookinfoChart();
    new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews }).allow({ requireJwt: true });
    new JwtAuthentication(chart, 'Jwt', { service: reviews, issuer: 'https://issuer.example', jwks: JWKS, requiredPaths: [] });
    expect(validationErrors(chart)).toEqual([]);
  });

  test('GIVEN a JwtAuthentication of another service WHEN a rule requires a JWT THEN the error names the unauthenticated service', () => {
    const { chart, reviews, productpage } = bookinfoChart();
    new JwtAuthentication(chart, 'Jwt', { service: productpage, issuer: 'https://issuer.example', jwks: JWKS, requiredPaths: [] });
    new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews }).allow({ requireJwt: true });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/no JwtAuthentication validates tokens for "test\/reviews"/)]);
  });

  test('GIVEN a rule requiring a JWT without a JwtAuthentication WHEN validated THEN the error tells to add one', () => {
    const { chart, reviews } = bookinfoChart();
    new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews }).deny({ requireJwt: true });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(
      /\[test\/ReviewsAuthz\] 'requireJwt' is true, but no JwtAuthentication validates tokens for "test\/reviews".*Add a JwtAuthentication/)]);
  });

  test.each<[string, (f: ReturnType<typeof bookinfoChart>) => AuthorizationRuleOptions, RegExp]>([
    ['an unknown port', () => ({ ports: [1234] }), /'allow\[0\].ports\[0\]' is 1234; "test\/reviews" has no such port/],
    ['a relative path', () => ({ paths: ['admin'] }), /'allow\[0\].paths\[0\]' is "admin"; a path must start with "\/" or "\*"/],
    ['a bad namespace', () => ({ fromNamespaces: ['Team_A'] }), /'allow\[0\].fromNamespaces\[0\]' is "Team_A"/],
    ['a service of another mesh', f => {
      const otherMesh = new Mesh(f.chart, 'other-mesh', { namespace: 'other-system' });
      return { fromServices: [new MeshService(f.chart, 'stranger', { mesh: otherMesh, name: 'stranger', ports: [{ port: 80, protocol: ServiceProtocol.HTTP }] })] };
    }, /'allow\[0\].fromServices\[0\]' is "test\/stranger"; it is not a service of this mesh/],
    ['a service of another app', () => ({ fromServices: [bookinfoChart().productpage] }), /'allow\[0\].fromServices\[0\]' is "test\/productpage"; the service is not part of this app/],
  ])('GIVEN an allow rule with %s WHEN added THEN it fails naming the path, prop and value', (_, rule, message) => {
    const fixture = bookinfoChart();
    const authz = new ServiceAuthorization(fixture.chart, 'Authz', { service: fixture.reviews });
    const error = errorOf(() => authz.allow(rule(fixture)));
    expect(error).toMatch(/^\[test\/Authz\] /);
    expect(error).toMatch(message);
  });
});

describe('JwtAuthentication', () => {
  test('GIVEN an issuer with a JWKS URI WHEN synthesized THEN a RequestAuthentication and a DENY policy for tokenless requests on the paths', () => {
    const { chart, reviews } = bookinfoChart();
    new JwtAuthentication(chart, 'Jwt', {
      service: reviews,
      issuer: 'https://issuer.example',
      jwksUri: 'https://issuer.example/jwks.json',
      audiences: ['reviews'],
      fromHeaders: [{ name: 'x-token', prefix: 'Bearer ' }],
      fromParams: ['token'],
      forwardOriginalToken: true,
      requiredPaths: ['/api/*'],
    });
    const manifests = Testing.synth(chart);
    const requestAuthentication = manifests.find(m => m.kind === 'RequestAuthentication');

    expect(requestAuthentication.metadata).toMatchObject({ name: 'reviews-jwt', namespace: 'bookinfo' });
    expect(requestAuthentication.spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      jwtRules: [{
        issuer: 'https://issuer.example',
        jwksUri: 'https://issuer.example/jwks.json',
        audiences: ['reviews'],
        fromHeaders: [{ name: 'x-token', prefix: 'Bearer ' }],
        fromParams: ['token'],
        forwardOriginalToken: true,
      }],
    });
    expect(policy(manifests, 'reviews-jwt-required').spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      action: 'DENY',
      rules: [{ from: [{ source: { notRequestPrincipals: ['https://issuer.example/*'] } }], to: [{ operation: { ports: ['8080'], paths: ['/api/*'] } }] }],
    });
    expectValidManifests(manifests);
  });

  test('GIVEN an inline JWKS and default paths WHEN synthesized THEN the token is required on every path', () => {
    const { chart, reviews } = bookinfoChart();
    new JwtAuthentication(chart, 'Jwt', { service: reviews, issuer: 'issuer-a', jwks: JWKS });
    const manifests = Testing.synth(chart);

    expect(manifests.find(m => m.kind === 'RequestAuthentication').spec.jwtRules[0]).toEqual({ issuer: 'issuer-a', jwks: JWKS });
    expect(policy(manifests, 'reviews-jwt-required').spec.rules).toEqual([{ from: [{ source: { notRequestPrincipals: ['issuer-a/*'] } }], to: [{ operation: { ports: ['8080'] } }] }]);
    expectValidManifests(manifests);
  });

  test('GIVEN a TCP-only service WHEN a JwtAuthentication is declared THEN it fails: tokens travel in requests', () => {
    const { chart, mesh } = bookinfoChart();
    const ledger = ledgerService(chart, mesh, [{ port: 7070, protocol: ServiceProtocol.TCP }]);
    expect(errorOf(() => new JwtAuthentication(chart, 'Jwt', { service: ledger, issuer: 'issuer-a', jwks: JWKS })))
      .toMatch(/^\[test\/Jwt\] 'service' is "test\/Ledger"; it has no HTTP, HTTP2 or gRPC port/);
  });

  test.each<[string, Partial<JwtAuthenticationProps>, RegExp]>([
    ['neither JWKS nor URI', { jwks: undefined }, /'jwksUri' is undefined; exactly one of jwksUri and jwks is required/],
    ['both JWKS and URI', { jwksUri: 'https://x.example/jwks' }, /exactly one of jwksUri and jwks is required/],
    ['a JWKS without keys', { jwks: '{"keys":[]}' }, /'jwks' is "\{\\"keys\\":\[\]\}"; it must be a JSON Web Key Set/],
    ['a non-URL JWKS URI', { jwks: undefined, jwksUri: 'issuer/jwks' }, /'jwksUri' is "issuer\/jwks"; it must be an http\(s\) URL/],
    ['an empty issuer', { issuer: ' ' }, /'issuer' is " "; the issuer is empty/],
    ['a relative required path', { requiredPaths: ['api'] }, /'requiredPaths\[0\]' is "api"; a path must start with "\/"/],
    ['an empty audience', { audiences: ['api', ''] }, /'audiences\[1\]' is ""; it must not be empty/],
    ['an empty token parameter', { fromParams: [' '] }, /'fromParams\[0\]' is " "; it must not be empty/],
    ['an empty token header name', { fromHeaders: [{ name: '' }] }, /'fromHeaders.name\[0\]' is ""; it must not be empty/],
  ])('GIVEN %s WHEN constructed THEN it fails naming the path, prop and value', (_, props, message) => {
    const { chart, reviews } = bookinfoChart();
    const error = errorOf(() => new JwtAuthentication(chart, 'Jwt', { service: reviews, issuer: 'issuer-a', jwks: JWKS, ...props }));
    expect(error).toMatch(/^\[test\/Jwt\] /);
    expect(error).toMatch(message);
  });
});
