/**
 * Routing on JWT claims: a VirtualService header condition named `@request.auth.claims.<claim>`
 * (nested claims as `a.b`, or `[a][b]`) compares a claim of the token the jwt_authn filter
 * verified, not a header. Envoy matches it on the filter's payload metadata, which exists where a
 * RequestAuthentication applies to the proxy (a gateway); elsewhere the condition never holds.
 */
import { PRESENCE_REGEX } from '../../model';
import type { StringMatch } from '../../push/istio-spec';
import { JWT_AUTHN_FILTER, JWT_PAYLOAD_METADATA_KEY } from './security/jwt';

const CLAIMS_PREFIX = '@request.auth.claims';

/** The claim path a header condition names, or undefined when it names a header. */
export function claimPathOf(name: string): string[] | undefined {
  if (!name.startsWith(CLAIMS_PREFIX)) return undefined;
  const rest = name.slice(CLAIMS_PREFIX.length);
  if (rest.startsWith('.') && rest.length > 1) {
    const path = rest.slice(1).split('.');
    return path.every((key) => key !== '') ? path : undefined;
  }
  const bracketed = /^(\[[^[\]]+\])+$/.exec(rest);
  return bracketed ? rest.slice(1, -1).split('][') : undefined;
}

/**
 * The route's dynamic metadata matcher for one claim condition: the claim equals the value, or
 * (a list claim) contains it; an empty match or `regex: "*"` asks only that the claim be there.
 * Under `withoutHeaders` the matcher is inverted.
 */
export function claimMetadataMatcher(
  path: readonly string[], value: StringMatch, stringMatcher: (value: StringMatch) => Record<string, unknown> | undefined, invert: boolean,
): Record<string, unknown> {
  const stringMatch = value.regex === PRESENCE_REGEX ? undefined : stringMatcher(value);
  const valueMatcher = stringMatch
    ? { or_match: { value_matchers: [{ list_match: { one_of: { string_match: stringMatch } } }, { string_match: stringMatch }] } }
    : { present_match: true };
  return {
    filter: JWT_AUTHN_FILTER,
    path: [JWT_PAYLOAD_METADATA_KEY, ...path].map((key) => ({ key })),
    value: valueMatcher,
    ...(invert ? { invert: true } : {}),
  };
}
