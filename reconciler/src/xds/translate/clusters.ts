/** `build*`: Envoy clusters for services, subsets, the local application and the fallbacks. */
import { MeshService, resolvedByDns, ServiceEndpoint, ServicePort } from '../../push/service-model';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER, inboundClusterName, outboundClusterName } from '../naming';
import { applyTrafficPolicy, DEFAULT_CONNECT_TIMEOUT } from './cluster-policy';
import { ADS_CONFIG_SOURCE, HTTP_PROTOCOL_OPTIONS } from './envoy-extensions';
import { originatesUserTls, userTlsHttpOptions } from './security/user-tls';
import type { EffectivePolicy } from './traffic-policy';

/** How often Envoy resolves a DNS cluster's names again: Istio's default `dnsRefreshRate`. */
const DNS_REFRESH_RATE = '60s';

export interface OutboundClusterInput {
  readonly service: MeshService;
  readonly port: ServicePort;
  readonly subset?: string;
  readonly policy: EffectivePolicy;
  /** Endpoints to embed for DNS clusters (EDS clusters get theirs over EDS). */
  readonly dnsEndpoints: readonly ServiceEndpoint[];
  readonly transportSocket?: Record<string, unknown>;
  /** Names the DestinationRule, for errors in its durations. */
  readonly policyField: string;
}

/** Whether the cluster for this service is served over EDS (and so needs a ClusterLoadAssignment). */
export function usesEds(service: MeshService, policy: EffectivePolicy): boolean {
  return service.resolution === 'EDS' && policy.loadBalancer?.simple !== 'PASSTHROUGH';
}

export function buildOutboundCluster(input: OutboundClusterInput): Record<string, unknown> {
  const { service, port, subset, policy } = input;
  const name = outboundClusterName(port.number, subset, service.hostname);
  const cluster: Record<string, unknown> = { name };
  applyTrafficPolicy(cluster, policy, { http: port.protocol === 'HTTP', field: input.policyField });

  if (service.resolution === 'NONE' || policy.loadBalancer?.simple === 'PASSTHROUGH') {
    // Forward to wherever the client connected: nothing to resolve, no balancing to do.
    cluster.type = 'ORIGINAL_DST';
    cluster.lb_policy = 'CLUSTER_PROVIDED';
    delete cluster.ring_hash_lb_config;
    delete cluster.maglev_lb_config;
  } else if (resolvedByDns(service.resolution)) {
    // DNS_ROUND_ROBIN: one logical host, connected to the first address the name resolves to.
    cluster.type = service.resolution === 'DNS_ROUND_ROBIN' ? 'LOGICAL_DNS' : 'STRICT_DNS';
    // Clusters are shared by every proxy, so one family for all: the mesh's addresses are IPv4, as istiod assumes for IPv4 proxies.
    cluster.dns_lookup_family = 'V4_ONLY';
    cluster.dns_refresh_rate = DNS_REFRESH_RATE;
    // A name's TTL wins over the refresh rate when the name server gives one.
    cluster.respect_dns_ttl = true;
    cluster.load_assignment = loadAssignment(name, input.dnsEndpoints.length > 0
      ? input.dnsEndpoints.map((endpoint) => ({ address: endpoint.instance.address, port: endpoint.port, weight: endpoint.instance.weight }))
      : [{ address: service.hostname, port: port.number }]);
  } else {
    cluster.type = 'EDS';
    cluster.eds_cluster_config = { eds_config: ADS_CONFIG_SOURCE, service_name: name };
  }
  if (input.transportSocket) {
    cluster.transport_socket = input.transportSocket;
  }
  if (port.protocol === 'HTTP' && originatesUserTls(policy.tls)) addUpstreamHttpOptions(cluster, userTlsHttpOptions(policy.tls));
  if (port.protocol === 'HTTP') cluster.track_cluster_stats = BODY_SIZE_STATS;
  return cluster;
}

/** Options of the upstream HTTP connection (SNI and certificate name from the request's host), beside the protocol options. */
function addUpstreamHttpOptions(cluster: Record<string, unknown>, options: Record<string, boolean> | undefined): void {
  const protocol = (cluster.typed_extension_protocol_options as Record<string, Record<string, unknown>> | undefined)?.[HTTP_PROTOCOL_OPTIONS.name];
  if (!options || !protocol) return;
  protocol.upstream_http_protocol_options = options;
}

/** Request and response body size histograms, the telemetry's `istio_request_bytes`/`istio_response_bytes`. */
const BODY_SIZE_STATS = { request_response_sizes: true } as const;

/** `inbound|<port>||`: the application the proxy fronts, at a fixed address. */
export function buildInboundCluster(port: number, endpoint: { address: string; port: number }): Record<string, unknown> {
  const name = inboundClusterName(port);
  return {
    name,
    type: 'STATIC',
    connect_timeout: DEFAULT_CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
    load_assignment: loadAssignment(name, [endpoint]),
  };
}

/** Unknown outbound destinations under ALLOW_ANY: connect to the original destination. */
export function buildPassthroughCluster(): Record<string, unknown> {
  return { name: PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: DEFAULT_CONNECT_TIMEOUT };
}

/** Inbound ports no service declares, in REDIRECT mode: deliver to the original destination. */
export function buildInboundPassthroughCluster(): Record<string, unknown> {
  return { name: INBOUND_PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: DEFAULT_CONNECT_TIMEOUT };
}

/** Destinations refused under REGISTRY_ONLY: a cluster with no endpoints. */
export function buildBlackHoleCluster(): Record<string, unknown> {
  return { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: DEFAULT_CONNECT_TIMEOUT };
}

export function loadAssignment(clusterName: string, endpoints: readonly { address: string; port: number; weight?: number }[]): Record<string, unknown> {
  return {
    cluster_name: clusterName,
    endpoints: endpoints.length === 0 ? [] : [{
      lb_endpoints: endpoints.map((endpoint) => ({
        endpoint: { address: { socket_address: { address: endpoint.address, port_value: endpoint.port } } },
        ...(endpoint.weight ? { load_balancing_weight: endpoint.weight } : {}),
      })),
    }],
  };
}
