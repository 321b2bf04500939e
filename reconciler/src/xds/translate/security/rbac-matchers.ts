/**
 * Small builders for Envoy RBAC matchers: Istio's `*` wildcard values as StringMatchers, and the
 * boolean combinators of principals and permissions (with the single-item and empty cases folded).
 */
import { JWT_AUTHN_FILTER, JWT_PAYLOAD_METADATA_KEY } from './jwt';

export type Matcher = Record<string, unknown>;

/** `*` any non-empty value, `abc*` prefix, `*abc` suffix, anything else exact. */
export function wildcardStringMatcher(value: string, options: { ignoreCase?: boolean } = {}): Matcher {
  const ignoreCase = options.ignoreCase ? { ignore_case: true } : {};
  if (value === '*') return { safe_regex: { regex: '.+' } };
  if (value.endsWith('*')) return { prefix: value.slice(0, -1), ...ignoreCase };
  if (value.startsWith('*')) return { suffix: value.slice(1), ...ignoreCase };
  return { exact: value, ...ignoreCase };
}

export function anyOfPrincipals(ids: Matcher[]): Matcher {
  if (ids.length === 0) return { any: true };
  return ids.length === 1 ? ids[0] : { or_ids: { ids } };
}

export function allOfPrincipals(ids: Matcher[]): Matcher {
  if (ids.length === 0) return { any: true };
  return ids.length === 1 ? ids[0] : { and_ids: { ids } };
}

export function anyOfPermissions(rules: Matcher[]): Matcher {
  if (rules.length === 0) return { any: true };
  return rules.length === 1 ? rules[0] : { or_rules: { rules } };
}

export function allOfPermissions(rules: Matcher[]): Matcher {
  if (rules.length === 0) return { any: true };
  return rules.length === 1 ? rules[0] : { and_rules: { rules } };
}

/** A principal matching a verified JWT claim (by path) that equals the value or, for list claims, contains it. */
export function jwtClaimPrincipal(claimPath: readonly string[], value: string): Matcher {
  const path = [JWT_PAYLOAD_METADATA_KEY, ...claimPath].map((key) => ({ key }));
  const metadata = (valueMatcher: Matcher) => ({ metadata: { filter: JWT_AUTHN_FILTER, path, value: valueMatcher } });
  if (value === '*') return metadata({ present_match: true });
  const stringMatch = wildcardStringMatcher(value);
  return anyOfPrincipals([
    metadata({ string_match: stringMatch }),
    metadata({ list_match: { one_of: { string_match: stringMatch } } }),
  ]);
}

/** `10.0.0.0/8` or a bare address as an Envoy CidrRange. */
export function cidrRange(block: string, where: string): Matcher {
  const [address, length, extra] = block.split('/');
  const isV6 = address.includes(':');
  const maxLength = isV6 ? 128 : 32;
  const prefixLength = length === undefined ? maxLength : Number(length);
  const validAddress = isV6 ? /^[0-9a-fA-F:.]+$/.test(address) : /^(\d{1,3}\.){3}\d{1,3}$/.test(address);
  if (extra !== undefined || !validAddress || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > maxLength) {
    throw new Error(`${where}: "${block}" is not an IP address or CIDR block; use for example "10.0.0.0/8" or "192.168.1.7"`);
  }
  return { address_prefix: address, prefix_len: prefixLength };
}
