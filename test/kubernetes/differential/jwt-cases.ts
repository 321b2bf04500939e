/**
 * Request authentication cases of the identity mesh, hand-written and generated (fast-check,
 * seeded): a RequestAuthentication on the server with the issuer's keys inline (neither control
 * plane fetches anything) or, in one case, from a `jwksUri` on loopback; token locations (the Authorization header, another header, a query
 * parameter), audiences, and AuthorizationPolicies on `requestPrincipals`, its `not` form and
 * `request.auth.*` conditions, alone and with peer identities. Requests carry no token, a valid
 * token of one of two users, an expired one, one signed by another key and one from an issuer no
 * rule names; whether the application still receives the token is compared too.
 */
import * as fc from 'fast-check';
import { authorization, CLIENT, IdentityCase, IdentityCaller, IdentityRequestClass, list, namespaceMode, Rule, sometimes, Source, withoutUnset } from './identity-cases';
import { IDENTITY_NAMESPACE, SECURE_APP } from './identity-mesh';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';
import { JWKS, signJwt } from '../../../reconciler/test/translate-security/jwt-signer';

const ISSUER = 'https://issuer.differential.test';
const OTHER_ISSUER = 'https://other.differential.test';
const TOKEN_HEADER = 'x-jwt';
const HOUR_S = 3600;

/** Tokens are signed once per run (the issuer's key is made per run); both sides get the same ones. */
function tokens() {
  const now = Math.floor(Date.now() / 1000);
  const forged = signJwt({ iss: ISSUER, sub: 'alice' }).split('.');
  return {
    alice: signJwt({ iss: ISSUER, sub: 'alice', aud: 'secure', azp: 'web', groups: ['admin', 'dev'], org: { team: 'payments' } }),
    bob: signJwt({ iss: ISSUER, sub: 'bob', aud: ['other', 'reports'], groups: ['dev'], org: { team: 'search' } }),
    expired: signJwt({ iss: ISSUER, sub: 'alice', exp: now - HOUR_S }),
    // A valid signature over other claims: the signature no longer matches.
    tampered: [forged[0], Buffer.from(JSON.stringify({ iss: ISSUER, sub: 'admin', exp: now + HOUR_S })).toString('base64url'), forged[2]].join('.'),
    foreign: signJwt({ iss: OTHER_ISSUER, sub: 'eve' }),
  };
}
type TokenName = keyof ReturnType<typeof tokens>;
const TOKEN_NAMES: readonly TokenName[] = ['alice', 'bob', 'expired', 'tampered', 'foreign'];

interface JwtRule {
  audiences?: string[];
  fromHeaders?: { name: string; prefix?: string }[];
  fromParams?: string[];
  forwardOriginalToken?: boolean;
  /** The keys from a URI instead of inline. */
  jwksUri?: string;
}

function requestAuthentication(rule: JwtRule = {}): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'RequestAuthentication',
    metadata: { name: 'issuer', namespace: IDENTITY_NAMESPACE },
    spec: { selector: { matchLabels: { app: SECURE_APP } }, jwtRules: [{ issuer: ISSUER, ...(rule.jwksUri ? {} : { jwks: JWKS }), ...rule }] },
  };
}

type Placement = 'bearer' | 'header' | 'query';

function requestsWith(placements: readonly Placement[], callers: readonly IdentityCaller[] = ['client', 'plaintext'], paths: readonly string[] = ['/']): IdentityRequestClass[] {
  const signed = tokens();
  const classes: IdentityRequestClass[] = [];
  for (const from of callers) {
    for (const path of paths) {
      classes.push({ name: `${from} GET ${path} without a token`, from, path });
      for (const placement of placements) {
        for (const token of TOKEN_NAMES) {
          const value = signed[token];
          const name = `${from} GET ${path} with ${token}'s token (${placement})`;
          if (placement === 'bearer') classes.push({ name, from, path, headers: { authorization: `Bearer ${value}` } });
          else if (placement === 'header') classes.push({ name, from, path, headers: { [TOKEN_HEADER]: value } });
          else classes.push({ name, from, path: `${path}${path.includes('?') ? '&' : '?'}token=${value}` });
        }
      }
    }
  }
  return classes;
}

const principalOfUser = (user: string) => `${ISSUER}/${user}`;

export function jwtScenarios(): IdentityCase[] {
  const bearer = requestsWith(['bearer']);
  return [
    { id: 'jwt-optional', description: 'RequestAuthentication alone: no token passes, a bad one is refused', objects: [requestAuthentication()], requests: bearer },
    {
      id: 'jwt-required',
      description: 'ALLOW requestPrincipals ["*"]: a valid token required',
      objects: [requestAuthentication(), authorization('require-jwt', 'ALLOW', [{ from: [{ source: { requestPrincipals: ['*'] } }] }])],
      requests: bearer,
    },
    {
      id: 'jwt-deny-without',
      description: 'DENY notRequestPrincipals ["*"], the usual way to require a token',
      objects: [requestAuthentication(), authorization('deny-anonymous', 'DENY', [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }])],
      requests: bearer,
    },
    {
      id: 'jwt-principal-and-claims',
      description: 'ALLOW alice by request principal, or anyone in group admin on /admin/*, or team search by nested claim',
      objects: [requestAuthentication(), authorization('allow-some', 'ALLOW', [
        { from: [{ source: { requestPrincipals: [principalOfUser('alice')] } }], to: [{ operation: { notPaths: ['/admin/*'] } }] },
        { to: [{ operation: { paths: ['/admin/*'] } }], when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }] },
        { when: [{ key: 'request.auth.claims[org][team]', values: ['search'] }] },
      ])],
      requests: requestsWith(['bearer'], ['client'], ['/', '/admin/users']),
    },
    {
      id: 'jwt-audiences-presenter',
      description: 'ALLOW audience reports or presenter web; DENY issuer-prefixed principals of bob',
      objects: [requestAuthentication(), authorization('allow-audience', 'ALLOW', [
        { when: [{ key: 'request.auth.audiences', values: ['reports'] }] },
        { when: [{ key: 'request.auth.presenter', values: ['web'] }] },
      ]), authorization('deny-bob', 'DENY', [{ from: [{ source: { requestPrincipals: ['*/bob'] } }] }])],
      requests: bearer,
    },
    {
      id: 'jwt-rule-audiences',
      description: 'the rule accepts only audience secure',
      objects: [requestAuthentication({ audiences: ['secure'] })],
      requests: bearer,
    },
    {
      id: 'jwt-other-locations',
      description: 'tokens from header x-jwt or query parameter token (not from Authorization), forwarded to the app',
      objects: [requestAuthentication({ fromHeaders: [{ name: TOKEN_HEADER }], fromParams: ['token'], forwardOriginalToken: true })],
      requests: requestsWith(['bearer', 'header', 'query'], ['client']),
    },
    {
      id: 'jwt-with-peer-identity',
      description: 'STRICT, ALLOW the client principal with any valid token',
      objects: [namespaceMode('STRICT'), requestAuthentication(), authorization('peer-and-token', 'ALLOW', [{ from: [{ source: { principals: [CLIENT], requestPrincipals: ['*'] } }] }])],
      requests: requestsWith(['bearer'], ['client', 'outsider']),
    },
  ];
}

/** The issuer's keys from `jwksUri` (served by the suite): istiod fetches them itself, the reconciler has the sidecar fetch them. */
export function jwksUriCase(jwksUri: string): IdentityCase {
  return {
    id: 'jwt-jwks-uri',
    description: 'keys from a jwksUri, a valid token required by ALLOW requestPrincipals ["*"]',
    objects: [requestAuthentication({ jwksUri }), authorization('require-jwt', 'ALLOW', [{ from: [{ source: { requestPrincipals: ['*'] } }] }])],
    requests: requestsWith(['bearer']),
  };
}

const requestPrincipal = fc.constantFrom(principalOfUser('alice'), principalOfUser('bob'), '*', `${ISSUER}/*`, '*/bob', `${OTHER_ISSUER}/eve`);
const claimCondition = fc.oneof(
  fc.record({ key: fc.constant('request.auth.claims[groups]'), values: list(fc.constantFrom('admin', 'dev', 'ops')) }),
  fc.record({ key: fc.constant('request.auth.claims[sub]'), notValues: list(fc.constantFrom('alice', 'bob')) }),
  fc.record({ key: fc.constant('request.auth.principal'), values: list(requestPrincipal) }),
  fc.record({ key: fc.constant('request.auth.audiences'), values: list(fc.constantFrom('secure', 'other', 'reports')) }),
);
const source: fc.Arbitrary<Source> = fc.record({
  requestPrincipals: sometimes(list(requestPrincipal)),
  notRequestPrincipals: sometimes(list(requestPrincipal)),
}, { requiredKeys: [] }).map(withoutUnset).filter((entry) => Object.keys(entry).length > 0);
const rule: fc.Arbitrary<Rule> = fc.record({
  from: sometimes(source.map((entry) => [{ source: entry }])),
  to: sometimes(fc.constantFrom<Rule['to']>([{ operation: { paths: ['/admin/*'] } }], [{ operation: { notPaths: ['/admin/*'] } }])),
  when: sometimes(fc.array(claimCondition, { minLength: 1, maxLength: 2 })),
}, { requiredKeys: [] }).map(withoutUnset);
const policy = fc.record({ action: fc.constantFrom<'ALLOW' | 'DENY'>('ALLOW', 'DENY'), rules: fc.array(rule, { minLength: 1, maxLength: 2 }) });

export function generatedJwtCases(seed: number, count: number): IdentityCase[] {
  const requests = requestsWith(['bearer'], ['client'], ['/', '/admin/users']);
  return fc.sample(fc.array(policy, { minLength: 1, maxLength: 2 }), { seed, numRuns: count }).map((policies, index) => ({
    id: `generated-jwt-${seed}-${index}`,
    description: `a RequestAuthentication and ${policies.length} generated AuthorizationPolicies on request principals and claims`,
    objects: [requestAuthentication(), ...policies.map((entry, position) => authorization(`generated-${position}`, entry.action, entry.rules))],
    requests,
  }));
}
