/**
 * The Envoy bootstrap every sidecar starts from. One pure function serves the sidecar injection
 * (rendered into a ConfigMap at synth time) and the reconciler's tests (real Envoy on loopback),
 * so the proxies under test start exactly like the ones in a cluster.
 */

/** Well-known sidecar ports, shared by injection, the bootstrap and the reconciler. */
export const SIDECAR_PORTS = {
  /** Envoy admin, bound to localhost only. */
  admin: 15000,
  /** Outbound capture listener (iptables REDIRECT target). */
  outboundCapture: 15001,
  /** Inbound capture listener. */
  inboundCapture: 15006,
  /** Merged Prometheus telemetry. */
  prometheus: 15090,
  /** Readiness, `/healthz/ready`. */
  readiness: 15021,
  /** Agent port, excluded from capture like in Istio. */
  agent: 15020,
} as const;

/** UID the proxy runs as; iptables excludes its traffic from capture. */
export const PROXY_UID = 1337;

/**
 * How injected sidecars authenticate to the reconciler and verify it in Kubernetes: a projected
 * service account token for the token review audience, and the mesh root certificate the
 * reconciler publishes into a ConfigMap of every namespace with workloads.
 */
export const XDS_CREDENTIALS = {
  /** Audience the reconciler's TokenReview asks for, as Istio's CA. */
  tokenAudience: 'istio-ca',
  /** 12 hours; the kubelet refreshes the file well before expiry. */
  tokenExpirationSeconds: 43200,
  tokenDir: '/var/run/secrets/tokens',
  tokenFileName: 'istio-token',
  /** ConfigMap holding the root certificate, published by the reconciler. */
  rootCertConfigMap: 'mesh-ca-root-cert',
  rootCertKey: 'root-cert.pem',
  rootCertDir: '/var/run/secrets/mesh',
} as const;

/** Name of the bootstrap cluster that reaches the reconciler. */
export const XDS_CLUSTER_NAME = 'xds-grpc';

/** How a proxy receives traffic: iptables capture, or real listening ports. */
export type InterceptionMode = 'REDIRECT' | 'NONE';

/** Identity and placement of one proxy, sent to the reconciler in the xDS `node`. */
export interface ProxyNode {
  /** Istio-style id: `sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>`. */
  readonly id: string;
  /** Envoy service cluster, `<app>.<namespace>`. */
  readonly cluster: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Pod (or workload) name. */
  readonly name: string;
  /**
   * The workload the pod belongs to (its Deployment), Istio's `WORKLOAD_NAME`: telemetry names
   * traffic by workload, not by pod.
   * @default derived by the reconciler from the `app` and `version` labels
   */
  readonly workloadName?: string;
  /** Workload labels; `app` and `version` select subsets. */
  readonly labels: Record<string, string>;
  readonly instanceIp: string;
  readonly interceptionMode: InterceptionMode;
  /** Locality; `@grpc/grpc-js-xds` clients refuse a node without one. */
  readonly locality?: { region?: string; zone?: string; subZone?: string };
  /** Extra metadata entries (strings only). */
  readonly extraMetadata?: Record<string, string>;
}

export interface XdsServerAddress {
  readonly host: string;
  readonly port: number;
  /** PEM file with the CA that signed the reconciler's serving certificate; plaintext when absent. */
  readonly caCertFile?: string;
  /** Name to verify on the reconciler's certificate. */
  readonly serverName?: string;
  /**
   * File holding the proxy's service account token, sent as `authorization: Bearer <token>` on
   * the ADS stream (Kubernetes mode authenticates proxies with it). Envoy reads the file for every
   * new stream, so a rotated token is picked up on reconnect. Needs `caCertFile`: a token is never
   * sent in plaintext.
   */
  readonly tokenFile?: string;
}

/** Envoy's gRPC credentials plugin that attaches a file's content as request metadata. */
export const FILE_BASED_METADATA_CREDENTIALS = 'envoy.grpc_credentials.file_based_metadata';

export interface EnvoyBootstrapOptions {
  readonly node: ProxyNode;
  readonly xds: XdsServerAddress;
  /** @default 127.0.0.1 */
  readonly adminAddress?: string;
  /** @default 15000 */
  readonly adminPort?: number;
  /** Address the Prometheus and readiness listeners bind to. @default 0.0.0.0 */
  readonly listenAddress?: string;
  /** @default 15090 */
  readonly prometheusPort?: number;
  /** @default 15021 */
  readonly readinessPort?: number;
  /**
   * How often Envoy flushes its stats to the sinks, in milliseconds (Envoy allows 1 ms to 300 s).
   * @default 5000
   */
  readonly statsFlushIntervalMs?: number;
  /**
   * Stream the proxy's stats to the reconciler (Envoy's metrics service sink, over the xDS
   * channel), where they become the mesh's telemetry.
   * @default true
   */
  readonly streamStats?: boolean;
}

/** Envoy's default stats flush interval, kept so every proxy reports at the same pace. */
export const DEFAULT_STATS_FLUSH_INTERVAL_MS = 5000;

/** Envoy's stats sink that streams `envoy.service.metrics.v3.MetricsService/StreamMetrics`. */
export const METRICS_SERVICE_SINK = 'envoy.stat_sinks.metrics_service';

/** Node metadata keys, shared with the reconciler's proxy identity parsing. */
export const NODE_METADATA = {
  namespace: 'NAMESPACE',
  serviceAccount: 'SERVICE_ACCOUNT',
  labels: 'LABELS',
  name: 'NAME',
  instanceIps: 'INSTANCE_IPS',
  interceptionMode: 'INTERCEPTION_MODE',
  workloadName: 'WORKLOAD_NAME',
} as const;

/** The `node` section of a bootstrap. */
export function buildBootstrapNode(node: ProxyNode): Record<string, unknown> {
  return {
    id: node.id,
    cluster: node.cluster,
    locality: {
      region: node.locality?.region ?? '',
      zone: node.locality?.zone ?? '',
      sub_zone: node.locality?.subZone ?? '',
    },
    metadata: {
      ...(node.extraMetadata ?? {}),
      [NODE_METADATA.namespace]: node.namespace,
      [NODE_METADATA.serviceAccount]: node.serviceAccount,
      [NODE_METADATA.name]: node.name,
      [NODE_METADATA.labels]: { ...node.labels },
      [NODE_METADATA.instanceIps]: node.instanceIp,
      [NODE_METADATA.interceptionMode]: node.interceptionMode,
      ...(node.workloadName ? { [NODE_METADATA.workloadName]: node.workloadName } : {}),
    },
  };
}

/** A complete Envoy v3 bootstrap (JSON form, valid as YAML) for one proxy. */
export function buildEnvoyBootstrap(options: EnvoyBootstrapOptions): Record<string, unknown> {
  const adminAddress = options.adminAddress ?? '127.0.0.1';
  const adminPort = options.adminPort ?? SIDECAR_PORTS.admin;
  const listenAddress = options.listenAddress ?? '0.0.0.0';
  const xds = options.xds;
  if (xds.tokenFile !== undefined && !xds.caCertFile) {
    throw new Error(`buildEnvoyBootstrap: xds.tokenFile is '${xds.tokenFile}' but xds.caCertFile is not set; `
      + 'a token must not travel in plaintext, so also set caCertFile to the CA that signed the reconciler\'s certificate.');
  }
  // The token needs gRPC call credentials, which only Envoy's Google gRPC client has; without
  // one, Envoy's own client dials the reconciler through the static xds-grpc cluster.
  const staticXdsClusters = xds.tokenFile ? [] : [xdsCluster(xds)];
  const reconcilerService = xds.tokenFile ? googleGrpcService(xds, xds.tokenFile) : { envoy_grpc: { cluster_name: XDS_CLUSTER_NAME } };

  return {
    node: buildBootstrapNode(options.node),
    stats_flush_interval: statsFlushInterval(options.statsFlushIntervalMs ?? DEFAULT_STATS_FLUSH_INTERVAL_MS),
    ...(options.streamStats === false ? {} : { stats_sinks: [metricsServiceSink(reconcilerService)] }),
    admin: {
      address: { socket_address: { address: adminAddress, port_value: adminPort } },
    },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [reconcilerService],
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        ...staticXdsClusters,
        {
          name: 'prometheus_stats',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'prometheus_stats',
            endpoints: [{
              lb_endpoints: [{
                endpoint: { address: { socket_address: { address: adminAddress, port_value: adminPort } } },
              }],
            }],
          },
        },
      ],
      listeners: [
        adminProxyListener('prometheus', listenAddress, options.prometheusPort ?? SIDECAR_PORTS.prometheus, [
          { match: { prefix: '/stats/prometheus' }, route: { cluster: 'prometheus_stats' } },
        ]),
        adminProxyListener('readiness', listenAddress, options.readinessPort ?? SIDECAR_PORTS.readiness, [
          { match: { prefix: '/healthz/ready' }, route: { cluster: 'prometheus_stats', prefix_rewrite: '/ready' } },
        ]),
      ],
    },
  };
}

/**
 * Envoy's metrics service sink, on the same channel (and credentials) as ADS. Counters go as
 * deltas since the previous flush and histograms as the flush interval's buckets, so the
 * reconciler adds what arrives and an Envoy restart needs no reset detection. Names keep their
 * full form: Envoy's default tag extraction cuts cluster names at the first dot, and the
 * reconciler's names (`outbound|9080|v2|reviews.shop.svc.cluster.local`) are full of them.
 */
function metricsServiceSink(reconcilerService: Record<string, unknown>): Record<string, unknown> {
  return {
    name: METRICS_SERVICE_SINK,
    typed_config: {
      '@type': 'type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig',
      'transport_api_version': 'V3',
      'grpc_service': reconcilerService,
      'report_counters_as_deltas': true,
      'emit_tags_as_labels': false,
      // Quantile summaries cannot be merged across proxies; bucket counts can.
      'histogram_emit_mode': 'HISTOGRAM',
    },
  };
}

function statsFlushInterval(milliseconds: number): string {
  if (!Number.isInteger(milliseconds) || milliseconds < 1 || milliseconds > 300_000) {
    throw new Error(`buildEnvoyBootstrap: statsFlushIntervalMs is ${milliseconds}; Envoy accepts a whole number of milliseconds from 1 to 300000 (5 minutes). `
      + `Use ${DEFAULT_STATS_FLUSH_INTERVAL_MS} (the default) unless the telemetry must be coarser or finer.`);
  }
  return `${milliseconds / 1000}s`;
}

/** A static listener that exposes one admin path (stats or readiness) beyond localhost. */
function adminProxyListener(name: string, address: string, port: number, routes: unknown[]): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address, port_value: port } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          'stat_prefix': name,
          'route_config': {
            virtual_hosts: [{ name, domains: ['*'], routes }],
          },
          'http_filters': [{
            name: 'envoy.filters.http.router',
            typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
          }],
        },
      }],
    }],
  };
}

/** The static cluster Envoy's own gRPC client reaches the reconciler through. */
function xdsCluster(xds: XdsServerAddress): Record<string, unknown> {
  const transport = xds.caCertFile
    ? {
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          'sni': xds.serverName ?? xds.host,
          'common_tls_context': {
            validation_context: {
              trusted_ca: { filename: xds.caCertFile },
              ...(xds.serverName ? { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: xds.serverName } }] } : {}),
            },
          },
        },
      },
    }
    : {};
  return {
    name: XDS_CLUSTER_NAME,
    type: 'STRICT_DNS',
    connect_timeout: '1s',
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        'explicit_http_config': { http2_protocol_options: {} },
      },
    },
    load_assignment: {
      cluster_name: XDS_CLUSTER_NAME,
      endpoints: [{
        lb_endpoints: [{
          endpoint: { address: { socket_address: { address: xds.host, port_value: xds.port } } },
        }],
      }],
    },
    ...transport,
  };
}

/**
 * The ADS service over Envoy's Google gRPC client: TLS verified against the mesh root, and the
 * token file attached as `authorization: Bearer <token>` by the file-based metadata plugin.
 */
function googleGrpcService(xds: XdsServerAddress, tokenFile: string): Record<string, unknown> {
  return {
    google_grpc: {
      target_uri: `${xds.host}:${xds.port}`,
      stat_prefix: XDS_CLUSTER_NAME,
      channel_credentials: { ssl_credentials: { root_certs: { filename: xds.caCertFile } } },
      call_credentials: [{
        from_plugin: {
          name: FILE_BASED_METADATA_CREDENTIALS,
          typed_config: {
            '@type': 'type.googleapis.com/envoy.config.grpc_credential.v3.FileBasedMetadataConfig',
            'secret_data': { filename: tokenFile },
            'header_key': 'authorization',
            'header_prefix': 'Bearer ',
          },
        },
      }],
      // The factory that understands the plugin above; the default one ignores plugins.
      credentials_factory_name: FILE_BASED_METADATA_CREDENTIALS,
      // gRPC verifies the certificate against the dialled host unless told the expected name.
      ...(xds.serverName ? { channel_args: { args: { 'grpc.ssl_target_name_override': { string_value: xds.serverName } } } } : {}),
    },
  };
}
