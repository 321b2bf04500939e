/** `build*`: the network filters at the end of a filter chain, HTTP connection manager or TCP proxy. */
import { ADS_CONFIG_SOURCE, CORS_FILTER, FAULT_FILTER, GRPC_STATS_FILTER, HTTP_CONNECTION_MANAGER, ROUTER_FILTER, TCP_PROXY, typedFilter } from './envoy-extensions';

export interface HttpConnectionManagerInput {
  readonly statPrefix: string;
  /** Routes fetched over RDS by name, or embedded (inbound, where there is one fixed route). */
  readonly routes: { readonly rdsName: string } | { readonly inline: Record<string, unknown> };
  /** Filters before the router, e.g. JWT and RBAC from the security translation. */
  readonly extraHttpFilters?: readonly Record<string, unknown>[];
  /**
   * Outbound routes may carry per-route fault and CORS configuration, which only takes effect
   * when the filters are in the chain; with no per-route config they pass requests through.
   * Outbound chains also count gRPC statuses per upstream cluster for the telemetry.
   */
  readonly routeLevelFilters: boolean;
  /** Further connection manager fields, e.g. client certificate forwarding on inbound ports. */
  readonly extraFields?: Readonly<Record<string, unknown>>;
}

export function buildHttpConnectionManager(input: HttpConnectionManagerInput): Record<string, unknown> {
  const routing = 'rdsName' in input.routes
    ? { rds: { config_source: ADS_CONFIG_SOURCE, route_config_name: input.routes.rdsName } }
    : { route_config: input.routes.inline };
  // Per-method gRPC stats would let callers grow Envoy's stats without bound; per status is enough.
  const routeLevel = input.routeLevelFilters
    ? [typedFilter(FAULT_FILTER), typedFilter(CORS_FILTER), typedFilter(GRPC_STATS_FILTER, { stats_for_all_methods: false })]
    : [];
  return typedFilter(HTTP_CONNECTION_MANAGER, {
    stat_prefix: input.statPrefix,
    ...input.extraFields,
    ...routing,
    http_filters: [...(input.extraHttpFilters ?? []), ...routeLevel, typedFilter(ROUTER_FILTER)],
  });
}

export function buildTcpProxy(statPrefix: string, cluster: string): Record<string, unknown> {
  return typedFilter(TCP_PROXY, { stat_prefix: statPrefix, cluster });
}
