/**
 * The part of an Envoy cluster a DestinationRule decides, normalised so that the same meaning
 * compares equal: durations in milliseconds, fields Envoy defaults filled with Envoy's defaults.
 * Read from each sidecar's `/config_dump`, so both sides are compared as Envoy holds them.
 * Not compared: the upstream HTTP protocol of `http` ports (a deliberate difference, see the
 * README), stats naming (`alt_stat_name`, `track_cluster_stats`), and the EDS config source.
 */

import { millis } from './envoy-duration';
import { SERVICE_PORT } from './mesh-under-test';
import { routesOfHost } from './route-comparison';

type Json = Record<string, any>;

const num = (value: unknown, fallback: number | null): number | null => (value === undefined ? fallback : Number(value));

export interface NormalisedCluster {
  readonly connectTimeoutMs: number | null;
  readonly lbPolicy: string;
  readonly ringMinimumSize: number | null;
  readonly maglevTableSize: number | null;
  readonly leastRequestChoices: number | null;
  readonly circuitBreakers: Record<string, number | null>;
  readonly outlierDetection: Record<string, number | null> | null;
  readonly healthyPanicThreshold: number | null;
  readonly tcpKeepalive: Record<string, number | null> | null;
  readonly idleTimeoutMs: number | null;
  readonly maxRequestsPerConnection: number | null;
  readonly explicitHttp2: boolean;
}

export function normaliseCluster(cluster: Json): NormalisedCluster {
  const lbPolicy = String(cluster.lb_policy ?? 'ROUND_ROBIN');
  const thresholds = (cluster.circuit_breakers?.thresholds ?? []).find((entry: Json) => (entry.priority ?? 'DEFAULT') === 'DEFAULT') ?? {};
  const outlier = cluster.outlier_detection as Json | undefined;
  const http = cluster.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as Json | undefined;
  const keepalive = cluster.upstream_connection_options?.tcp_keepalive as Json | undefined;
  return {
    connectTimeoutMs: millis(cluster.connect_timeout, 5000),
    lbPolicy,
    ringMinimumSize: lbPolicy === 'RING_HASH' ? num(cluster.ring_hash_lb_config?.minimum_ring_size, 1024) : null,
    maglevTableSize: lbPolicy === 'MAGLEV' ? num(cluster.maglev_lb_config?.table_size, 65537) : null,
    leastRequestChoices: lbPolicy === 'LEAST_REQUEST' ? num(cluster.least_request_lb_config?.choice_count, 2) : null,
    circuitBreakers: {
      maxConnections: num(thresholds.max_connections, 1024),
      maxPendingRequests: num(thresholds.max_pending_requests, 1024),
      maxRequests: num(thresholds.max_requests, 1024),
      maxRetries: num(thresholds.max_retries, 3),
    },
    outlierDetection: outlier ? {
      consecutive5xx: num(outlier.consecutive_5xx, 5),
      enforcingConsecutive5xx: num(outlier.enforcing_consecutive_5xx, 100),
      consecutiveGatewayFailure: num(outlier.consecutive_gateway_failure, 5),
      enforcingConsecutiveGatewayFailure: num(outlier.enforcing_consecutive_gateway_failure, 0),
      consecutiveLocalOriginFailure: num(outlier.consecutive_local_origin_failure, 5),
      splitExternalLocalOriginErrors: outlier.split_external_local_origin_errors ? 1 : 0,
      enforcingSuccessRate: num(outlier.enforcing_success_rate, 100),
      intervalMs: millis(outlier.interval, 10_000),
      baseEjectionTimeMs: millis(outlier.base_ejection_time, 30_000),
      // Envoy ejects for at most max_ejection_time, 300 s when unset, or the base time if that is longer.
      maxEjectionTimeMs: Math.max(millis(outlier.max_ejection_time, 300_000)!, millis(outlier.base_ejection_time, 30_000)!),
      maxEjectionPercent: num(outlier.max_ejection_percent, 10),
    } : null,
    healthyPanicThreshold: num(cluster.common_lb_config?.healthy_panic_threshold?.value, 50),
    tcpKeepalive: keepalive ? {
      probes: num(keepalive.keepalive_probes, null),
      timeSeconds: num(keepalive.keepalive_time, null),
      intervalSeconds: num(keepalive.keepalive_interval, null),
    } : null,
    idleTimeoutMs: millis(http?.common_http_protocol_options?.idle_timeout, 3_600_000),
    maxRequestsPerConnection: num(http?.common_http_protocol_options?.max_requests_per_connection, null),
    explicitHttp2: Boolean(http?.explicit_http_config?.http2_protocol_options),
  };
}

/** The clusters of a config dump by name; a warming cluster is the newer version of an active one of the same name. */
export function clustersOf(dump: { configs?: Json[] }): Map<string, Json> {
  const clusters = new Map<string, Json>();
  for (const config of dump.configs ?? []) {
    if (!String(config['@type']).endsWith('ClustersConfigDump')) continue;
    for (const entry of [...(config.dynamic_active_clusters ?? []), ...(config.dynamic_warming_clusters ?? [])]) {
      clusters.set(entry.cluster.name, entry.cluster);
    }
  }
  return clusters;
}

/** The hash policy of the first route of the virtual host serving `host`, normalised. */
export function routeHashPolicy(dump: { configs?: Json[] }, host: string): string {
  const routes = routesOfHost(dump, host, SERVICE_PORT);
  if (!routes) return 'no route';
  const policy = (routes[0]?.route?.hash_policy ?? []) as Json[];
  return JSON.stringify(policy.map((item) => ({
    header: item.header?.header_name,
    cookie: item.cookie ? { name: item.cookie.name, ttlMs: millis(item.cookie.ttl, null), path: item.cookie.path ?? null } : undefined,
    sourceIp: item.connection_properties?.source_ip || undefined,
    query: item.query_parameter?.name,
  })));
}
