/**
 * Where the security translation (mTLS, RBAC, JWT, SDS) plugs into the generated config. The
 * routing translation calls these hooks and never interprets security objects itself, so both
 * sides evolve independently; every hook is optional and absent means plaintext, no policy.
 */
import type { ProxyIdentity, XdsResource } from '../../push/contract';
import type { ClientTlsSettings } from '../../push/istio-spec';
import type { PushContext } from '../../push/push-context';
import type { MeshService, PortProtocol, ServicePort } from '../../push/service-model';

/** One inbound port of the proxy's own workload. */
export interface InboundPortContext {
  readonly push: PushContext;
  readonly proxy: ProxyIdentity;
  /** The port the listener/filter chain receives on. */
  readonly port: number;
  readonly protocol: PortProtocol;
}

/** How an inbound port accepts connections. */
export interface InboundTls {
  /** Downstream TLS transport socket (`envoy.transport_sockets.tls`). */
  readonly transportSocket: Record<string, unknown>;
  /** PERMISSIVE: accept plaintext next to TLS (chains split by `transport_protocol`). */
  readonly allowPlaintext: boolean;
}

/**
 * One outbound cluster under construction. The cluster is shared by every proxy that sees it, so
 * the context carries no proxy: the transport socket depends on the destination only.
 */
export interface OutboundClusterContext {
  readonly push: PushContext;
  readonly service: MeshService;
  readonly port: ServicePort;
  readonly subset?: string;
  /** The DestinationRule `tls` in effect for this cluster (port and subset overrides applied). */
  readonly tls?: ClientTlsSettings;
  /** The cluster speaks HTTP/2 only (`h2UpgradePolicy: UPGRADE` on an HTTP port). */
  readonly http2: boolean;
  /** Names the DestinationRule's policy, for errors: `DestinationRule shop/db spec.trafficPolicy`. */
  readonly policyField: string;
}

/**
 * Every hook except `secrets` must be a pure function of its arguments, reading of the proxy only
 * its namespace and labels: its results are shared between proxies within a push. `secrets` is
 * called for every proxy on every push (certificates are per identity and rotate).
 */
export interface SecurityExtensions {
  /** HTTP filters placed before the router on an inbound HTTP port (authn before authz). */
  inboundHttpFilters?(context: InboundPortContext): readonly Record<string, unknown>[];
  /** Network filters placed before `tcp_proxy` on an inbound TCP port. */
  inboundNetworkFilters?(context: InboundPortContext): readonly Record<string, unknown>[];
  /** TLS for an inbound port; undefined means plaintext only. */
  inboundTls?(context: InboundPortContext): InboundTls | undefined;
  /** Upstream transport socket of an outbound cluster; undefined means plaintext. */
  upstreamTransportSocket?(context: OutboundClusterContext): Record<string, unknown> | undefined;
  /** Clusters the security filters themselves reach, e.g. remote JWKS hosts of jwt_authn. */
  extraClusters?(push: PushContext, proxy: ProxyIdentity): readonly Record<string, unknown>[];
  /** SDS secrets the proxy needs (certificates, trust bundles). */
  secrets?(push: PushContext, proxy: ProxyIdentity): readonly XdsResource[];
}

export const NO_SECURITY_EXTENSIONS: SecurityExtensions = {};
