/** `translate*`: the action part of an Istio HTTPRoute → Envoy RouteAction / RedirectAction. */
import type { HttpRedirect, HttpRetry, HttpRewrite, HttpRoute } from '../../push/istio-spec';
import type { DestinationResolver } from './destination-resolver';
import { toProtoDuration } from './duration';
import { PREVIOUS_HOSTS_RETRY_PREDICATE } from './envoy-extensions';
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
/** How often Envoy may pick again when the host predicate refuses the host it picked (Istio's choice). */
const HOST_SELECTION_ATTEMPTS = 5;

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
  // Istio's default is no timeout at all; Envoy's own default would be 15s. The same bound caps a
  // gRPC client's `grpc-timeout` header (0: the header alone decides), as Istio does for sidecars.
  action.timeout = route.timeout ? toProtoDuration(route.timeout, `${scope.field}.timeout`) : '0s';
  action.max_grpc_timeout = action.timeout;
  Object.assign(action, translateRewrite(route.rewrite));
  const mirrors = translateMirrors(route, scope);
  if (mirrors.length > 0) {
    action.request_mirror_policies = mirrors;
  }
  let hashes = false;
  if (resolved.length === 1) {
    const hashPolicy = scope.resolver.hashPolicy(resolved[0].destination, `DestinationRule for ${resolved[0].destination.hostname}`);
    if (hashPolicy) {
      action.hash_policy = hashPolicy;
      hashes = true;
    }
  }
  const retryPolicy = translateRetries(route.retries, `${scope.field}.retries`, hashes);
  if (retryPolicy) {
    action.retry_policy = retryPolicy;
  }
  return action;
}

/**
 * `retries.attempts: 0` disables retries; HTTP status codes in `retryOn` become retriable codes.
 * A retry goes to another host than the ones tried, unless the route hashes requests to one host
 * (then another host would break the affinity) or `retryIgnorePreviousHosts` says otherwise.
 */
export function translateRetries(retries: HttpRetry | undefined, field: string, hashes = false): Record<string, unknown> | undefined {
  if (retries && !retries.attempts) {
    return undefined;
  }
  const avoidPreviousHosts = retries?.retryIgnorePreviousHosts ?? !hashes;
  const hostSelection = {
    ...(avoidPreviousHosts ? { retry_host_predicate: [{ name: PREVIOUS_HOSTS_RETRY_PREDICATE.name, typed_config: { '@type': PREVIOUS_HOSTS_RETRY_PREDICATE.type } }] } : {}),
    host_selection_retry_max_attempts: HOST_SELECTION_ATTEMPTS,
  };
  if (!retries) {
    return { retry_on: DEFAULT_RETRY_ON, num_retries: DEFAULT_RETRY_ATTEMPTS, ...hostSelection };
  }
  const conditions = (retries.retryOn || DEFAULT_RETRY_ON).split(',').map((condition) => condition.trim()).filter(Boolean);
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
    ...hostSelection,
    ...(retries.backoff ? { retry_back_off: { base_interval: toProtoDuration(retries.backoff, `${field}.backoff`) } } : {}),
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
