/**
 * The part of an Envoy route a VirtualService decides, normalised so that the same meaning
 * compares equal: the match (path, case, headers, query), the action (cluster or weights,
 * timeout, retry policy, rewrites, mirrors, redirect), header edits, and the fault and CORS
 * overrides. Read from each sidecar's `/config_dump`, in route order per virtual host.
 * Not compared: tracing decorators, route names and metadata, stats, and the hash policy
 * (compared with the DestinationRules).
 */

import { millis as millisOr } from './envoy-duration';

type Json = Record<string, any>;

const millis = (duration: string | undefined): number | null => millisOr(duration, null);

/** A FractionalPercent or Percent as a share of one million. */
function perMillion(percent: Json | undefined): number | null {
  if (!percent) return null;
  if (typeof percent.value === 'number') return Math.round(percent.value * 10_000);
  const scale: Record<string, number> = { HUNDRED: 10_000, TEN_THOUSAND: 100, MILLION: 1 };
  return (percent.numerator ?? 0) * scale[percent.denominator ?? 'HUNDRED'];
}

function stringMatch(match: Json | undefined): string | null {
  if (!match) return null;
  const caseless = match.ignore_case ? ' (any case)' : '';
  for (const kind of ['exact', 'prefix', 'suffix', 'contains']) if (match[kind] !== undefined) return `${kind} ${match[kind]}${caseless}`;
  if (match.safe_regex) return `regex ${match.safe_regex.regex}${caseless}`;
  return `unknown ${JSON.stringify(match)}`;
}

function headerMatcher(header: Json): string {
  const invert = header.invert_match ? `not${header.treat_missing_header_as_empty ? ' (missing as empty)' : ''} ` : '';
  if (header.present_match) return `${header.name}: ${invert}present`;
  if (header.string_match) return `${header.name}: ${invert}${stringMatch(header.string_match)}`;
  // The older one-of fields, in case a side still sends them.
  for (const kind of ['exact_match', 'prefix_match', 'suffix_match', 'contains_match']) {
    if (header[kind] !== undefined) return `${header.name}: ${invert}${kind.replace('_match', '')} ${header[kind]}`;
  }
  if (header.safe_regex_match) return `${header.name}: ${invert}regex ${header.safe_regex_match.regex}`;
  return `${header.name}: ${invert}${JSON.stringify(header)}`;
}

function pathMatch(match: Json): string {
  if (match.path !== undefined) return `exact ${match.path}`;
  if (match.safe_regex) return `regex ${match.safe_regex.regex}`;
  if (match.path_separated_prefix !== undefined) return `segment prefix ${match.path_separated_prefix}`;
  return `prefix ${match.prefix ?? '/'}`;
}

function headerEdits(entries: Json[] | undefined): string[] {
  return (entries ?? []).map((entry) => {
    const appending = entry.append_action ?? (entry.append === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD');
    return `${entry.header.key}=${entry.header.value} ${appending}`;
  }).sort();
}

function retryPolicy(policy: Json | undefined): Json | null {
  if (!policy) return null;
  return {
    retryOn: String(policy.retry_on ?? '').split(',').map((condition) => condition.trim()).filter(Boolean).sort(),
    numRetries: policy.num_retries ?? 1,
    perTryTimeoutMs: millis(policy.per_try_timeout),
    retriableStatusCodes: [...(policy.retriable_status_codes ?? [])].sort(),
    hostPredicates: (policy.retry_host_predicate ?? []).map((predicate: Json) => predicate.name).sort(),
    hostSelectionRetryMaxAttempts: Number(policy.host_selection_retry_max_attempts ?? 1),
  };
}

function fault(config: Json | undefined): Json | null {
  if (!config) return null;
  return {
    abort: config.abort ? { status: config.abort.http_status ?? config.abort.grpc_status, perMillion: perMillion(config.abort.percentage) } : null,
    delay: config.delay ? { ms: millis(config.delay.fixed_delay), perMillion: perMillion(config.delay.percentage) } : null,
  };
}

function cors(config: Json | undefined): Json | null {
  if (!config) return null;
  return {
    origins: (config.allow_origin_string_match ?? []).map(stringMatch).sort(),
    methods: config.allow_methods ?? null,
    headers: config.allow_headers ?? null,
    exposeHeaders: config.expose_headers ?? null,
    maxAge: config.max_age ?? null,
    credentials: config.allow_credentials ?? null,
  };
}

function action(route: Json): Json {
  if (route.redirect) {
    const redirect = route.redirect;
    return {
      redirect: {
        // An empty path_redirect keeps the path, as its absence does.
        path: redirect.path_redirect || null,
        host: redirect.host_redirect ?? null,
        port: redirect.port_redirect ?? null,
        scheme: redirect.scheme_redirect ?? (redirect.https_redirect ? 'https' : null),
        code: redirect.response_code ?? 'MOVED_PERMANENTLY',
      },
    };
  }
  if (route.direct_response) {
    return { directResponse: { status: route.direct_response.status, body: route.direct_response.body?.inline_string ?? null } };
  }
  const target = route.route ?? {};
  return {
    clusters: target.cluster !== undefined ? [`${target.cluster} 100%`]
      : (target.weighted_clusters?.clusters ?? []).map((entry: Json) => `${entry.name} ${entry.weight ?? 0}%`),
    // Absent means Envoy's 15 s; istiod and the reconciler both mean "none" by 0.
    timeoutMs: millis(target.timeout) ?? 15_000,
    retry: retryPolicy(target.retry_policy),
    prefixRewrite: target.prefix_rewrite ?? null,
    regexRewrite: target.regex_rewrite ? `${target.regex_rewrite.pattern?.regex} → ${target.regex_rewrite.substitution}` : null,
    hostRewrite: target.host_rewrite_literal ?? null,
    mirrors: (target.request_mirror_policies ?? []).map((mirror: Json) =>
      `${mirror.cluster} ${perMillion(mirror.runtime_fraction?.default_value) ?? 1_000_000}/1e6${mirror.disable_shadow_host_suffix_append ? '' : ' (-shadow)'}`),
    maxGrpcTimeoutMs: millis(target.max_grpc_timeout),
    maxStreamDurationMs: millis(target.max_stream_duration?.max_stream_duration),
    grpcTimeoutHeaderMaxMs: millis(target.max_stream_duration?.grpc_timeout_header_max),
  };
}

export function normaliseRoute(route: Json): Json {
  const match = route.match ?? {};
  const overrides = route.typed_per_filter_config ?? {};
  return {
    match: {
      path: pathMatch(match),
      caseSensitive: match.case_sensitive ?? true,
      headers: (match.headers ?? []).map(headerMatcher).sort(),
      query: (match.query_parameters ?? []).map((parameter: Json) =>
        `${parameter.name}: ${parameter.present_match ? 'present' : stringMatch(parameter.string_match)}`).sort(),
      // Conditions on JWT claims: the filter's metadata path and what it must hold, as Envoy's JSON.
      dynamicMetadata: (match.dynamic_metadata ?? []).map((matcher: Json) => JSON.stringify(matcher)).sort(),
    },
    ...action(route),
    requestHeadersToAdd: headerEdits(route.request_headers_to_add),
    requestHeadersToRemove: [...(route.request_headers_to_remove ?? [])].sort(),
    responseHeadersToAdd: headerEdits(route.response_headers_to_add),
    responseHeadersToRemove: [...(route.response_headers_to_remove ?? [])].sort(),
    fault: fault(overrides['envoy.filters.http.fault']),
    cors: cors(overrides['envoy.filters.http.cors']),
  };
}

/**
 * The routes of the virtual host that serves `host` in the route configuration `routeName`, in
 * order; undefined when none does. Both sides name a sidecar's outbound route configuration by its
 * port (`9080`) and a gateway's plaintext one `http.<server port>`.
 */
export function routesOfHost(dump: { configs?: Json[] }, host: string, routeName: number | string): Json[] | undefined {
  for (const config of dump.configs ?? []) {
    if (!String(config['@type']).includes('RoutesConfigDump')) continue;
    // `?resource=dynamic_route_configs` lists DynamicRouteConfig entries; the whole dump nests them.
    for (const entry of config.dynamic_route_configs ?? [config]) {
      const routeConfig = entry.route_config ?? {};
      if (routeConfig.name !== String(routeName)) continue;
      const virtualHost = (routeConfig.virtual_hosts ?? []).find((candidate: Json) => (candidate.domains ?? []).includes(host));
      if (virtualHost) return virtualHost.routes ?? [];
    }
  }
  return undefined;
}
