/** `translate*`: the action part of an Istio HTTPRoute → Envoy RouteAction / RedirectAction. */
import type { HttpRedirect, HttpRetry, HttpRewrite, HttpRoute } from '../../push/istio-spec';
import type { DestinationResolver } from './destination-resolver';
import { toProtoDuration } from './duration';
import { toFractionalPercent } from './percent';

export interface RouteActionScope {
  readonly resolver: DestinationResolver;
  readonly configNamespace: string;
  readonly port: number;
  /** `VirtualService <ns>/<name> spec.http[i]`, for errors. */
  readonly field: string;
}

/** Istio's retry default when a route does not set `retries`. */
const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
const DEFAULT_RETRY_ATTEMPTS = 2;

export function translateRouteAction(route: HttpRoute, scope: RouteActionScope): Record<string, unknown> {
  const targets = (route.route ?? []).filter((target, _, all) => all.length === 1 || (target.weight ?? 0) > 0);
  const resolved = targets.map((target) => ({ target, destination: scope.resolver.resolve(target.destination, scope.configNamespace, scope.port) }));
  const action: Record<string, unknown> = {};
  if (resolved.length === 1) {
    action.cluster = resolved[0].destination.clusterName;
  } else {
    action.weighted_clusters = {
      clusters: resolved.map(({ target, destination }) => ({ name: destination.clusterName, weight: target.weight ?? 0 })),
    };
  }
  // Istio's default is no timeout at all; Envoy's own default would be 15s.
  action.timeout = route.timeout ? toProtoDuration(route.timeout, `${scope.field}.timeout`) : '0s';
  const retryPolicy = translateRetries(route.retries, `${scope.field}.retries`);
  if (retryPolicy) {
    action.retry_policy = retryPolicy;
  }
  Object.assign(action, translateRewrite(route.rewrite));
  const mirrors = translateMirrors(route, scope);
  if (mirrors.length > 0) {
    action.request_mirror_policies = mirrors;
  }
  if (resolved.length === 1) {
    const hashPolicy = scope.resolver.hashPolicy(resolved[0].destination, `DestinationRule for ${resolved[0].destination.hostname}`);
    if (hashPolicy) {
      action.hash_policy = hashPolicy;
    }
  }
  return action;
}

/** `retries.attempts: 0` disables retries; HTTP status codes in `retryOn` become retriable codes. */
export function translateRetries(retries: HttpRetry | undefined, field: string): Record<string, unknown> | undefined {
  if (!retries) {
    return { retry_on: DEFAULT_RETRY_ON, num_retries: DEFAULT_RETRY_ATTEMPTS };
  }
  if (!retries.attempts) {
    return undefined;
  }
  const conditions = (retries.retryOn ?? DEFAULT_RETRY_ON).split(',').map((condition) => condition.trim()).filter(Boolean);
  const statusCodes = conditions.filter((condition) => /^\d+$/.test(condition)).map(Number);
  const named = conditions.filter((condition) => !/^\d+$/.test(condition));
  if (statusCodes.length > 0 && !named.includes('retriable-status-codes')) {
    named.push('retriable-status-codes');
  }
  return {
    retry_on: named.join(','),
    num_retries: retries.attempts,
    ...(retries.perTryTimeout ? { per_try_timeout: toProtoDuration(retries.perTryTimeout, `${field}.perTryTimeout`) } : {}),
    ...(statusCodes.length > 0 ? { retriable_status_codes: statusCodes } : {}),
  };
}

function translateRewrite(rewrite: HttpRewrite | undefined): Record<string, unknown> {
  if (!rewrite) {
    return {};
  }
  return {
    ...(rewrite.uri !== undefined ? { prefix_rewrite: rewrite.uri } : {}),
    ...(rewrite.uriRegexRewrite ? { regex_rewrite: { pattern: { regex: rewrite.uriRegexRewrite.match ?? '' }, substitution: rewrite.uriRegexRewrite.rewrite ?? '' } } : {}),
    ...(rewrite.authority ? { host_rewrite_literal: rewrite.authority } : {}),
  };
}

/** `mirror` + `mirrorPercentage` (100% when absent) and the newer `mirrors` list. */
function translateMirrors(route: HttpRoute, scope: RouteActionScope): Record<string, unknown>[] {
  const mirrors = [
    ...(route.mirror ? [{ destination: route.mirror, percentage: route.mirrorPercentage }] : []),
    ...(route.mirrors ?? []),
  ];
  return mirrors.map(({ destination, percentage }) => ({
    cluster: scope.resolver.resolve(destination, scope.configNamespace, scope.port).clusterName,
    runtime_fraction: { default_value: toFractionalPercent(percentage?.value ?? 100) },
    // Istio (1.28 on, by default) sends copies with the original authority, not Envoy's `-shadow` suffix.
    disable_shadow_host_suffix_append: true,
  }));
}

const REDIRECT_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

export function translateRedirect(redirect: HttpRedirect, field: string): Record<string, unknown> {
  const code = redirect.redirectCode ?? 301;
  const responseCode = REDIRECT_CODES[code];
  if (!responseCode) {
    throw new Error(`${field}.redirect.redirectCode is ${code}; use one of ${Object.keys(REDIRECT_CODES).join(', ')}`);
  }
  return {
    ...(redirect.uri !== undefined ? { path_redirect: redirect.uri } : {}),
    ...(redirect.authority ? { host_redirect: redirect.authority } : {}),
    ...(redirect.port ? { port_redirect: redirect.port } : {}),
    ...(redirect.scheme ? { scheme_redirect: redirect.scheme } : {}),
    response_code: responseCode,
  };
}
