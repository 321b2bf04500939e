/** Envoy extension names and `@type` URLs used by the translation, in one place to avoid typos. */

const TYPE_PREFIX = 'type.googleapis.com/';

export const HTTP_CONNECTION_MANAGER = {
  name: 'envoy.filters.network.http_connection_manager',
  type: `${TYPE_PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
};
export const TCP_PROXY = {
  name: 'envoy.filters.network.tcp_proxy',
  type: `${TYPE_PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
};
/** Writes access log lines to a file (`/dev/stdout` for the container log). */
export const FILE_ACCESS_LOG = {
  name: 'envoy.access_loggers.file',
  type: `${TYPE_PREFIX}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
};
export const ROUTER_FILTER = {
  name: 'envoy.filters.http.router',
  type: `${TYPE_PREFIX}envoy.extensions.filters.http.router.v3.Router`,
};
export const FAULT_FILTER = {
  name: 'envoy.filters.http.fault',
  type: `${TYPE_PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`,
};
/** Counts gRPC calls by status per upstream cluster (`cluster.<name>.grpc.<status>`), read by the telemetry. */
export const GRPC_STATS_FILTER = {
  name: 'envoy.filters.http.grpc_stats',
  type: `${TYPE_PREFIX}envoy.extensions.filters.http.grpc_stats.v3.FilterConfig`,
};
export const CORS_FILTER = {
  name: 'envoy.filters.http.cors',
  type: `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.Cors`,
  policyType: `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
};
/** Makes a retry pick another host than the ones already tried, when there is one. */
export const PREVIOUS_HOSTS_RETRY_PREDICATE = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  type: `${TYPE_PREFIX}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`,
};
export const ORIGINAL_DST_LISTENER_FILTER = {
  name: 'envoy.filters.listener.original_dst',
  type: `${TYPE_PREFIX}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`,
};
export const TLS_INSPECTOR_LISTENER_FILTER = {
  name: 'envoy.filters.listener.tls_inspector',
  type: `${TYPE_PREFIX}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
};
export const HTTP_PROTOCOL_OPTIONS = {
  name: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  type: `${TYPE_PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
};

/** xDS resources arrive over the same ADS stream as listeners and clusters. */
export const ADS_CONFIG_SOURCE = { ads: {}, resource_api_version: 'V3' } as const;

/** A filter entry `{ name, typed_config: { '@type', …config } }`. */
export function typedFilter(extension: { name: string; type: string }, config: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: extension.name, typed_config: { '@type': extension.type, ...config } };
}
