/**
 * `translate*`: an Istio HTTPMatchRequest → Envoy RouteMatch, for one proxy and one port.
 * Conditions on the client (sourceLabels, sourceNamespace, port) are decided here, at generation
 * time, because each proxy gets its own routes: a match that cannot hold for this proxy is dropped.
 */
import { PRESENCE_REGEX } from '../../model';
import type { ProxyIdentity } from '../../push/contract';
import type { HttpMatchRequest, StringMatch } from '../../push/istio-spec';
import { labelsMatch } from '../../push/label-selector';
import { claimMetadataMatcher, claimPathOf } from './jwt-claim-match';

export interface MatchScope {
  readonly proxy: Pick<ProxyIdentity, 'namespace' | 'labels'>;
  /** The service port the route config serves. */
  readonly port: number;
}

/** The Envoy route match, or undefined when this match can never apply to the proxy/port. */
export function translateRouteMatch(match: HttpMatchRequest | undefined, scope: MatchScope): Record<string, unknown> | undefined {
  if (!match) {
    return { prefix: '/' };
  }
  if (match.port !== undefined && match.port !== scope.port) {
    return undefined;
  }
  if (match.sourceLabels && !labelsMatch(match.sourceLabels, scope.proxy.labels)) {
    return undefined;
  }
  if (match.sourceNamespace !== undefined && match.sourceNamespace !== scope.proxy.namespace) {
    return undefined;
  }
  const routeMatch: Record<string, unknown> = { ...pathMatch(match.uri) };
  if (match.ignoreUriCase) {
    routeMatch.case_sensitive = false;
  }
  const headers = [
    ...pseudoHeader(':method', match.method),
    ...pseudoHeader(':authority', match.authority),
    ...pseudoHeader(':scheme', match.scheme),
    ...headerConditions(match.headers).map(([name, value]) => headerMatcher(name, value, false)),
    ...headerConditions(match.withoutHeaders).map(([name, value]) => headerMatcher(name, value, true)),
  ];
  if (headers.length > 0) {
    routeMatch.headers = headers;
  }
  const claims = [
    ...claimConditions(match.headers).map(([path, value]) => claimMetadataMatcher(path, value, stringMatcher, false)),
    ...claimConditions(match.withoutHeaders).map(([path, value]) => claimMetadataMatcher(path, value, stringMatcher, true)),
  ];
  if (claims.length > 0) {
    routeMatch.dynamic_metadata = claims;
  }
  const queryParameters = sortedEntries(match.queryParams).map(([name, value]) => queryParameterMatcher(name, value));
  if (queryParameters.length > 0) {
    routeMatch.query_parameters = queryParameters;
  }
  return routeMatch;
}

function pathMatch(uri: StringMatch | undefined): Record<string, unknown> {
  if (uri?.exact !== undefined) {
    return { path: uri.exact };
  }
  if (uri?.regex !== undefined) {
    return { safe_regex: { regex: uri.regex } };
  }
  return { prefix: uri?.prefix ?? '/' };
}

function pseudoHeader(name: string, value: StringMatch | undefined): Record<string, unknown>[] {
  return value ? [headerMatcher(name, value, false)] : [];
}

/** An empty Istio StringMatch (`{}`) or `regex: "*"` means "present, with any value". */
function presenceOrValueMatcher(value: StringMatch): Record<string, unknown> | undefined {
  return value.regex === PRESENCE_REGEX ? undefined : stringMatcher(value);
}

/**
 * A `withoutHeaders` entry that compares a value holds when the header is missing too (a missing
 * header counts as empty), as in Istio; one that asks for presence holds only when it is missing.
 */
function headerMatcher(name: string, value: StringMatch, invert: boolean): Record<string, unknown> {
  const stringMatch = presenceOrValueMatcher(value);
  return {
    name: name.toLowerCase(),
    ...(stringMatch ? { string_match: stringMatch } : { present_match: true }),
    ...(invert ? { invert_match: true } : {}),
    ...(invert && stringMatch ? { treat_missing_header_as_empty: true } : {}),
  };
}

function queryParameterMatcher(name: string, value: StringMatch): Record<string, unknown> {
  const stringMatch = presenceOrValueMatcher(value);
  return { name, ...(stringMatch ? { string_match: stringMatch } : { present_match: true }) };
}

export function stringMatcher(value: StringMatch): Record<string, unknown> | undefined {
  if (value.exact !== undefined) {
    return { exact: value.exact };
  }
  if (value.prefix !== undefined) {
    return { prefix: value.prefix };
  }
  if (value.regex !== undefined) {
    return { safe_regex: { regex: value.regex } };
  }
  return undefined;
}

/** Header conditions that name headers (claim conditions are matched on the token). */
function headerConditions(record: Record<string, StringMatch> | undefined): [string, StringMatch][] {
  return sortedEntries(record).filter(([name]) => claimPathOf(name) === undefined);
}

function claimConditions(record: Record<string, StringMatch> | undefined): [string[], StringMatch][] {
  return sortedEntries(record).flatMap(([name, value]) => {
    const path = claimPathOf(name);
    return path ? [[path, value] as [string[], StringMatch]] : [];
  });
}

function sortedEntries<T>(record: Record<string, T> | undefined): [string, T][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
