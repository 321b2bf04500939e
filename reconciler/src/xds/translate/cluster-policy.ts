/** `apply*`: DestinationRule traffic policy onto an Envoy cluster under construction. */
import type { ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection } from '../../push/istio-spec';
import { parseDurationNanos, toProtoDuration } from './duration';
import { HTTP_PROTOCOL_OPTIONS } from './envoy-extensions';
import type { EffectivePolicy } from './traffic-policy';

export type ClusterDraft = Record<string, unknown>;

/** Istio lifts Envoy's 1024 defaults so that only configured limits ever trip. */
const UNLIMITED = 4294967295;
/** Istio's default connect timeout. */
export const DEFAULT_CONNECT_TIMEOUT = '10s';
/** Envoy's default `max_ejection_time`. */
const DEFAULT_MAX_EJECTION_NANOS = 300_000_000_000n;

export function applyTrafficPolicy(cluster: ClusterDraft, policy: EffectivePolicy, options: { http: boolean; field: string }): void {
  applyConnectionPool(cluster, policy.connectionPool, options);
  applyOutlierDetection(cluster, policy.outlierDetection, options.field);
  applyLoadBalancer(cluster, policy.loadBalancer);
}

function applyConnectionPool(cluster: ClusterDraft, pool: ConnectionPoolSettings | undefined, options: { http: boolean; field: string }): void {
  const field = `${options.field}.connectionPool`;
  cluster.connect_timeout = pool?.tcp?.connectTimeout ? toProtoDuration(pool.tcp.connectTimeout, `${field}.tcp.connectTimeout`) : DEFAULT_CONNECT_TIMEOUT;
  cluster.circuit_breakers = {
    // Istio's API cannot tell 0 from unset (plain int32 fields): 0 means no limit, as in istiod.
    thresholds: [{
      max_connections: pool?.tcp?.maxConnections || UNLIMITED,
      max_pending_requests: pool?.http?.http1MaxPendingRequests || UNLIMITED,
      max_requests: pool?.http?.http2MaxRequests || UNLIMITED,
      max_retries: pool?.http?.maxRetries || UNLIMITED,
    }],
  };
  applyTcpKeepalive(cluster, pool?.tcp?.tcpKeepalive, `${field}.tcp.tcpKeepalive`);
  if (!options.http) {
    return;
  }
  const common: Record<string, unknown> = {};
  if (pool?.http?.idleTimeout) {
    common.idle_timeout = toProtoDuration(pool.http.idleTimeout, `${field}.http.idleTimeout`);
  }
  if (pool?.http?.maxRequestsPerConnection) {
    common.max_requests_per_connection = pool.http.maxRequestsPerConnection;
  }
  const protocol = pool?.http?.h2UpgradePolicy === 'UPGRADE'
    ? { explicit_http_config: { http2_protocol_options: {} } }
    // Speak to the upstream in whatever protocol the client used (HTTP/1.1 or HTTP/2, gRPC).
    : { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } };
  cluster.typed_extension_protocol_options = {
    [HTTP_PROTOCOL_OPTIONS.name]: {
      '@type': HTTP_PROTOCOL_OPTIONS.type,
      ...(Object.keys(common).length > 0 ? { common_http_protocol_options: common } : {}),
      ...protocol,
    },
  };
}

type TcpKeepalive = NonNullable<NonNullable<ConnectionPoolSettings['tcp']>['tcpKeepalive']>;

/** Envoy counts keepalive time and interval in whole seconds; Istio truncates the durations the same way. */
function applyTcpKeepalive(cluster: ClusterDraft, keepalive: TcpKeepalive | undefined, field: string): void {
  if (!keepalive) {
    return;
  }
  const seconds = (value: string, name: string) => Number(parseDurationNanos(value, `${field}.${name}`) / 1_000_000_000n);
  cluster.upstream_connection_options = {
    tcp_keepalive: {
      ...(keepalive.probes !== undefined ? { keepalive_probes: keepalive.probes } : {}),
      ...(keepalive.time ? { keepalive_time: seconds(keepalive.time, 'time') } : {}),
      ...(keepalive.interval ? { keepalive_interval: seconds(keepalive.interval, 'interval') } : {}),
    },
  };
}

function applyOutlierDetection(cluster: ClusterDraft, outlier: OutlierDetection | undefined, field: string): void {
  if (!outlier) {
    return;
  }
  // Istio turns success-rate ejection off: only the consecutive-error thresholds it exposes eject.
  const detection: Record<string, unknown> = { enforcing_success_rate: 0 };
  // Unset, Envoy's own 5xx detection (5 in a row) stays on, also beside gateway errors: as istiod leaves it.
  if (outlier.consecutive5xxErrors !== undefined) {
    detection.consecutive_5xx = outlier.consecutive5xxErrors;
    detection.enforcing_consecutive_5xx = outlier.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (outlier.consecutiveGatewayErrors !== undefined) {
    detection.consecutive_gateway_failure = outlier.consecutiveGatewayErrors;
    detection.enforcing_consecutive_gateway_failure = outlier.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  if (outlier.interval) {
    detection.interval = toProtoDuration(outlier.interval, `${field}.outlierDetection.interval`);
  }
  if (outlier.baseEjectionTime) {
    detection.base_ejection_time = toProtoDuration(outlier.baseEjectionTime, `${field}.outlierDetection.baseEjectionTime`);
    // Envoy caps an ejection at max_ejection_time (300s by default); a longer base time must not be cut short.
    if (parseDurationNanos(outlier.baseEjectionTime, `${field}.outlierDetection.baseEjectionTime`) > DEFAULT_MAX_EJECTION_NANOS) {
      detection.max_ejection_time = detection.base_ejection_time;
    }
  }
  // Istio's API cannot tell 0 from unset: 0 keeps Envoy's default (10 %).
  if (outlier.maxEjectionPercent) {
    detection.max_ejection_percent = outlier.maxEjectionPercent;
  }
  cluster.outlier_detection = detection;
  // Istio disables Envoy's 50 % panic threshold unless minHealthPercent says otherwise: with few
  // instances per service, panic routing would send traffic straight back to the ejected ones.
  cluster.common_lb_config = { healthy_panic_threshold: { value: outlier.minHealthPercent ?? 0 } };
}

/** Istio's default is LEAST_REQUEST; consistent hashing needs a hash-based policy on the cluster. */
function applyLoadBalancer(cluster: ClusterDraft, loadBalancer: LoadBalancerSettings | undefined): void {
  const hash = loadBalancer?.consistentHash;
  if (hash) {
    if (hash.maglev) {
      cluster.lb_policy = 'MAGLEV';
      if (hash.maglev.tableSize) {
        cluster.maglev_lb_config = { table_size: hash.maglev.tableSize };
      }
      return;
    }
    cluster.lb_policy = 'RING_HASH';
    const ringSize = hash.ringHash?.minimumRingSize ?? hash.minimumRingSize;
    if (ringSize) {
      cluster.ring_hash_lb_config = { minimum_ring_size: ringSize };
    }
    return;
  }
  switch (loadBalancer?.simple) {
    case 'ROUND_ROBIN':
      cluster.lb_policy = 'ROUND_ROBIN';
      return;
    case 'RANDOM':
      cluster.lb_policy = 'RANDOM';
      return;
    default:
      cluster.lb_policy = 'LEAST_REQUEST';
  }
}
