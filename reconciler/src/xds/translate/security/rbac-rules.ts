/**
 * One AuthorizationPolicy rule → one Envoy RBAC policy. Within a rule, `from` entries are ORed,
 * `to` entries are ORed, and the from-part, to-part and every `when` condition are ANDed; within
 * one source or operation every field is ANDed and the values of a field are ORed.
 */
import type { AuthorizationRule, RuleCondition, RuleOperation, RuleSource } from '../../../push/istio-spec';
import { principalToSpiffeId } from '../../../security/spiffe';
import {
  Matcher, allOfPermissions, allOfPrincipals, anyOfPermissions, anyOfPrincipals, cidrRange, jwtClaimPrincipal, wildcardStringMatcher,
} from './rbac-matchers';

export interface RuleContext {
  /** The mesh trust domain; `cluster.local` principals in policies map to it. */
  readonly trustDomain: string;
  /** e.g. `AuthorizationPolicy default/allow-get: spec.rules[0]`, prefixed to error messages. */
  readonly where: string;
}

/** `values` ORed, negated `notValues` ANDed with them; undefined when the field is absent. */
function field(values: readonly string[] | undefined, notValues: readonly string[] | undefined,
  toMatcher: (value: string) => Matcher, anyOf: (items: Matcher[]) => Matcher, negate: (m: Matcher) => Matcher): Matcher[] {
  const parts: Matcher[] = [];
  if (values?.length) parts.push(anyOf(values.map(toMatcher)));
  if (notValues?.length) parts.push(negate(anyOf(notValues.map(toMatcher))));
  return parts;
}

const notPrincipal = (id: Matcher) => ({ not_id: id });
const notPermission = (rule: Matcher) => ({ not_rule: rule });

function peerPrincipal(value: string, context: RuleContext): Matcher {
  if (value === '*') return { authenticated: { principal_name: { safe_regex: { regex: '.+' } } } };
  if (value.startsWith('*')) return { authenticated: { principal_name: { suffix: value.slice(1) } } };
  if (value.endsWith('*')) return { authenticated: { principal_name: { prefix: principalToSpiffeId(value.slice(0, -1), context.trustDomain) } } };
  return { authenticated: { principal_name: { exact: principalToSpiffeId(value, context.trustDomain) } } };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A namespace (with Istio wildcards) as a regex over the peer's SPIFFE id; ingest checks Envoy accepts it. */
export function namespacePrincipalRegex(value: string): string {
  const namespace = value === '*' ? '[^/]+'
    : value.endsWith('*') ? `${escapeRegex(value.slice(0, -1))}[^/]*`
      : value.startsWith('*') ? `[^/]*${escapeRegex(value.slice(1))}`
        : escapeRegex(value);
  return `^spiffe://[^/]+/ns/${namespace}/sa/[^/]+$`;
}

function namespacePrincipal(value: string): Matcher {
  return { authenticated: { principal_name: { safe_regex: { regex: namespacePrincipalRegex(value) } } } };
}

/**
 * `<iss>/<sub>` of a verified JWT, matched on the two claims. Supported wildcards: the whole
 * value, the whole issuer, or the whole subject (`*`).
 */
function requestPrincipal(value: string, context: RuleContext, fieldName: string): Matcher {
  if (value === '*') return jwtClaimPrincipal(['iss'], '*');
  const slash = value.lastIndexOf('/');
  const issuer = value.slice(0, slash);
  const subject = value.slice(slash + 1);
  const wholeOrPlain = (part: string) => part.length > 0 && (part === '*' || !part.includes('*'));
  if (slash <= 0 || !wholeOrPlain(issuer) || !wholeOrPlain(subject)) {
    throw new Error(`${context.where}.${fieldName} value "${value}" is not supported; use "<issuer>/<subject>", "<issuer>/*", "*/<subject>" or "*"`);
  }
  return allOfPrincipals([
    jwtClaimPrincipal(['iss'], issuer),
    ...(subject === '*' ? [] : [jwtClaimPrincipal(['sub'], subject)]),
  ]);
}

function sourcePrincipal(source: RuleSource, context: RuleContext, where: string): Matcher {
  const ctx = { ...context, where };
  const parts = [
    ...field(source.principals, source.notPrincipals, (v) => peerPrincipal(v, ctx), anyOfPrincipals, notPrincipal),
    ...field(source.namespaces, source.notNamespaces, namespacePrincipal, anyOfPrincipals, notPrincipal),
    ...field(source.requestPrincipals, source.notRequestPrincipals, (v) => requestPrincipal(v, ctx, 'requestPrincipals'), anyOfPrincipals, notPrincipal),
    ...field(source.ipBlocks, source.notIpBlocks, (v) => ({ direct_remote_ip: cidrRange(v, `${where}.ipBlocks`) }), anyOfPrincipals, notPrincipal),
    ...field(source.remoteIpBlocks, source.notRemoteIpBlocks, (v) => ({ remote_ip: cidrRange(v, `${where}.remoteIpBlocks`) }), anyOfPrincipals, notPrincipal),
  ];
  return allOfPrincipals(parts);
}

function portPermission(value: string | number, where: string): Matcher {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${where}: port "${value}" is not a port number; use an integer from 1 to 65535`);
  }
  return { destination_port: port };
}

function operationPermission(operation: RuleOperation, where: string): Matcher {
  const header = (name: string, ignoreCase: boolean) => (value: string) =>
    ({ header: { name, string_match: wildcardStringMatcher(value, { ignoreCase }) } });
  const parts = [
    ...field(operation.hosts, operation.notHosts, header(':authority', true), anyOfPermissions, notPermission),
    ...field(operation.ports, operation.notPorts, (v) => portPermission(v, `${where}.ports`), anyOfPermissions, notPermission),
    ...field(operation.methods, operation.notMethods, header(':method', false), anyOfPermissions, notPermission),
    ...field(operation.paths, operation.notPaths, (v) => ({ url_path: { path: wildcardStringMatcher(v) } }), anyOfPermissions, notPermission),
  ];
  return allOfPermissions(parts);
}

/** A `when` condition lands on the principal side (who/what sent it) or the permission side (where it goes). */
type ConditionMatcher = { principal: Matcher } | { permission: Matcher };

const CLAIM_KEY = /^request\.auth\.claims((?:\[[^\][]+\])+)$/;
const HEADER_KEY = /^request\.headers\[([^\][]+)\]$/;
const SUPPORTED_KEYS = 'request.headers[<name>], request.auth.claims[<claim>]…, request.auth.principal, request.auth.audiences, '
  + 'request.auth.presenter, source.ip, remote.ip, source.namespace, source.principal, destination.port, destination.ip, connection.sni';

function conditionMatcher(condition: RuleCondition, context: RuleContext, where: string): ConditionMatcher {
  const ctx = { ...context, where };
  const principal = (toMatcher: (v: string) => Matcher) =>
    ({ principal: allOfPrincipals(field(condition.values, condition.notValues, toMatcher, anyOfPrincipals, notPrincipal)) });
  const permission = (toMatcher: (v: string) => Matcher) =>
    ({ permission: allOfPermissions(field(condition.values, condition.notValues, toMatcher, anyOfPermissions, notPermission)) });

  const header = HEADER_KEY.exec(condition.key);
  if (header) {
    return principal((v) => ({ header: v === '*' ? { name: header[1], present_match: true } : { name: header[1], string_match: wildcardStringMatcher(v) } }));
  }
  const claim = CLAIM_KEY.exec(condition.key);
  if (claim) {
    const claimPath = claim[1].slice(1, -1).split('][');
    return principal((v) => jwtClaimPrincipal(claimPath, v));
  }
  switch (condition.key) {
    case 'request.auth.principal': return principal((v) => requestPrincipal(v, ctx, 'values'));
    case 'request.auth.audiences': return principal((v) => jwtClaimPrincipal(['aud'], v));
    case 'request.auth.presenter': return principal((v) => jwtClaimPrincipal(['azp'], v));
    case 'source.ip': return principal((v) => ({ direct_remote_ip: cidrRange(v, where) }));
    case 'remote.ip': return principal((v) => ({ remote_ip: cidrRange(v, where) }));
    case 'source.namespace': return principal(namespacePrincipal);
    case 'source.principal': return principal((v) => peerPrincipal(v, ctx));
    case 'destination.port': return permission((v) => portPermission(v, where));
    case 'destination.ip': return permission((v) => ({ destination_ip: cidrRange(v, where) }));
    case 'connection.sni': return permission((v) => ({ requested_server_name: wildcardStringMatcher(v) }));
    default:
      throw new Error(`${where}.key "${condition.key}" is not supported; use one of ${SUPPORTED_KEYS}`);
  }
}

/** The Envoy RBAC `Policy` for one rule. */
export function ruleToPolicy(rule: AuthorizationRule, context: RuleContext): { permissions: Matcher[]; principals: Matcher[] } {
  const principalParts: Matcher[] = [];
  const permissionParts: Matcher[] = [];
  const { from, to } = rule;
  if (from?.length) {
    principalParts.push(anyOfPrincipals(from.map((entry, i) => sourcePrincipal(entry?.source ?? {}, context, `${context.where}.from[${i}].source`))));
  }
  if (to?.length) {
    permissionParts.push(anyOfPermissions(to.map((entry, i) => operationPermission(entry?.operation ?? {}, `${context.where}.to[${i}].operation`))));
  }
  (rule.when ?? []).forEach((condition, i) => {
    const where = `${context.where}.when[${i}]`;
    if (!condition.values?.length && !condition.notValues?.length) {
      throw new Error(`${where} (key "${condition.key}") has neither values nor notValues; list the values to match`);
    }
    const matcher = conditionMatcher(condition, context, where);
    if ('principal' in matcher) principalParts.push(matcher.principal);
    else permissionParts.push(matcher.permission);
  });
  return { permissions: [allOfPermissions(permissionParts)], principals: [allOfPrincipals(principalParts)] };
}
