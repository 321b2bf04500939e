/**
 * Mutual TLS between sidecars with SPIFFE certificates delivered over SDS: the inbound
 * (server) side per PeerAuthentication mode, and the outbound (client) side per DestinationRule
 * `tls.mode` or auto-mTLS.
 */
import type { DestinationRuleSpec } from '../../../push/istio-spec';
import type { MtlsMode } from './peer-authentication';
import { SDS_SECRET_NAMES, sdsSecretConfig } from './sds';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
const DOWNSTREAM_TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
export const UPSTREAM_TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

export const TLS_INSPECTOR_LISTENER_FILTER = {
  name: 'envoy.filters.listener.tls_inspector',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' },
} as const;

/** ALPN offered by the inbound mTLS server: HTTP/2 preferred, HTTP/1.1 accepted. */
export const INBOUND_ALPN_PROTOCOLS = ['h2', 'http/1.1'] as const;

/**
 * Spread into every inbound HttpConnectionManager, as Istio's sidecars do: over mTLS the app
 * receives the verified peer in `x-forwarded-client-cert` (`By=…;Hash=…;Subject="…";URI=spiffe://…`,
 * DNS names when the certificate has any), appended to what the peer proxy forwarded; a plaintext
 * request's header is removed, so a caller without a certificate cannot claim an identity.
 */
export const INBOUND_CLIENT_CERT_HCM_FIELDS = {
  forward_client_cert_details: 'APPEND_FORWARD',
  set_current_client_cert_details: { subject: true, uri: true, dns: true },
} as const;

/** The server side of mesh mTLS: present `default`, require a client certificate signed by `ROOTCA`. */
export function inboundMtlsTransportSocket(): Record<string, unknown> {
  return {
    name: TLS_TRANSPORT_SOCKET,
    typed_config: {
      '@type': DOWNSTREAM_TLS_CONTEXT,
      'require_client_certificate': true,
      'common_tls_context': {
        alpn_protocols: [...INBOUND_ALPN_PROTOCOLS],
        tls_certificate_sds_secret_configs: [sdsSecretConfig(SDS_SECRET_NAMES.identity)],
        validation_context_sds_secret_config: sdsSecretConfig(SDS_SECRET_NAMES.rootCa),
      },
    },
  };
}

export interface InboundFilterChainsRequest {
  readonly mode: MtlsMode;
  /** The network filters (HCM or TCP proxy) every chain runs. */
  readonly networkFilters: readonly unknown[];
  /** Chain name prefix, e.g. `inbound|8080`. */
  readonly name: string;
  /** Match fields shared by the chains, e.g. `{ destination_port: 8080 }` on a capture listener. */
  readonly filterChainMatch?: Readonly<Record<string, unknown>>;
}

export interface InboundFilterChains {
  /** Listener filters the chains depend on (the TLS inspector when matching on transport protocol). */
  readonly listener_filters: unknown[];
  readonly filter_chains: unknown[];
}

/**
 * STRICT: only a TLS chain, so plaintext matches no chain and is closed. PERMISSIVE: the TLS
 * inspector picks the mTLS chain for TLS and the plaintext chain otherwise. DISABLE: plaintext only.
 */
export function inboundFilterChains(request: InboundFilterChainsRequest): InboundFilterChains {
  const baseMatch = request.filterChainMatch ?? {};
  const mtlsChain = {
    name: `${request.name}|mtls`,
    filter_chain_match: { ...baseMatch, transport_protocol: 'tls' },
    transport_socket: inboundMtlsTransportSocket(),
    filters: [...request.networkFilters],
  };
  const plaintextChain = (transportProtocol?: string) => ({
    name: `${request.name}|plaintext`,
    filter_chain_match: transportProtocol ? { ...baseMatch, transport_protocol: transportProtocol } : { ...baseMatch },
    filters: [...request.networkFilters],
  });
  switch (request.mode) {
    case 'STRICT':
      return { listener_filters: [TLS_INSPECTOR_LISTENER_FILTER], filter_chains: [mtlsChain] };
    case 'PERMISSIVE':
      return { listener_filters: [TLS_INSPECTOR_LISTENER_FILTER], filter_chains: [mtlsChain, plaintextChain('raw_buffer')] };
    case 'DISABLE':
      return { listener_filters: [], filter_chains: [plaintextChain()] };
  }
}

/** Istio's SNI for mesh-internal upstreams: `outbound_.<port>_.<subset>_.<host>`. */
export function upstreamSni(port: number, subset: string | undefined, host: string): string {
  return `outbound_.${port}_.${subset ?? ''}_.${host}`;
}

export interface UpstreamMtlsRequest {
  readonly host: string;
  readonly port: number;
  readonly subset?: string;
  /** SPIFFE ids the destination may present (one per service account behind the service). */
  readonly peerSpiffeIds: readonly string[];
  /**
   * When no destination identity is known (an explicit ISTIO_MUTUAL toward endpoints without a
   * declared service account), accept any identity of this trust domain instead of failing.
   */
  readonly trustDomain?: string;
  /** ALPN to offer, e.g. `['h2']` for an HTTP/2 cluster; none by default. */
  readonly alpnProtocols?: readonly string[];
}

/** The client side of mesh mTLS: present `default`, verify the peer chains to `ROOTCA` and is one of the SPIFFE ids. */
export function upstreamMtlsTransportSocket(request: UpstreamMtlsRequest): Record<string, unknown> {
  if (request.peerSpiffeIds.length === 0 && !request.trustDomain) {
    throw new Error(`upstream mTLS to ${request.host}:${request.port}: peerSpiffeIds is empty; pass the SPIFFE ids of the destination's service accounts (or a trustDomain to accept any of its identities) so the peer identity is verified`);
  }
  return {
    name: TLS_TRANSPORT_SOCKET,
    typed_config: {
      '@type': UPSTREAM_TLS_CONTEXT,
      'sni': upstreamSni(request.port, request.subset, request.host),
      'common_tls_context': {
        ...(request.alpnProtocols?.length ? { alpn_protocols: [...request.alpnProtocols] } : {}),
        tls_certificate_sds_secret_configs: [sdsSecretConfig(SDS_SECRET_NAMES.identity)],
        combined_validation_context: {
          default_validation_context: {
            match_typed_subject_alt_names: request.peerSpiffeIds.length > 0
              ? [...new Set(request.peerSpiffeIds)].sort().map((id) => ({ san_type: 'URI', matcher: { exact: id } }))
              : [{ san_type: 'URI', matcher: { prefix: `spiffe://${request.trustDomain}/` } }],
          },
          validation_context_sds_secret_config: sdsSecretConfig(SDS_SECRET_NAMES.rootCa),
        },
      },
    },
  };
}

/** Endpoint metadata marking an endpoint as having a sidecar, for `autoMtlsTransportSocketMatches`. */
export const SIDECAR_ENDPOINT_METADATA = { filter_metadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } } as const;

/**
 * Auto-mTLS for a cluster mixing endpoints with and without sidecars: endpoints carrying
 * SIDECAR_ENDPOINT_METADATA get mTLS, the rest plaintext.
 */
export function autoMtlsTransportSocketMatches(request: UpstreamMtlsRequest): unknown[] {
  return [
    { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: upstreamMtlsTransportSocket(request) },
    {
      name: 'tlsMode-disabled',
      match: {},
      transport_socket: {
        name: 'envoy.transport_sockets.raw_buffer',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' },
      },
    },
  ];
}

/** How a client should connect: mesh mTLS, plaintext, or TLS the user configured (SIMPLE/MUTUAL). */
export type UpstreamTlsDecision = 'ISTIO_MUTUAL' | 'PLAINTEXT' | 'USER_TLS';

export interface UpstreamTlsInput {
  /** The effective DestinationRule `tls.mode` (see `destinationRuleTlsMode`), if any. */
  readonly destinationRuleTlsMode?: string;
  /** The destination's PeerAuthentication mode for the port. */
  readonly destinationMtlsMode: MtlsMode;
  readonly destinationHasSidecar: boolean;
}

/** An explicit DestinationRule mode wins; otherwise auto-mTLS uses mTLS toward sidecars that accept it. */
export function upstreamTlsDecision(input: UpstreamTlsInput): UpstreamTlsDecision {
  switch (input.destinationRuleTlsMode) {
    case 'ISTIO_MUTUAL': return 'ISTIO_MUTUAL';
    case 'DISABLE': return 'PLAINTEXT';
    case 'SIMPLE':
    case 'MUTUAL': return 'USER_TLS';
    default:
      return input.destinationHasSidecar && input.destinationMtlsMode !== 'DISABLE' ? 'ISTIO_MUTUAL' : 'PLAINTEXT';
  }
}

interface TrafficPolicyTls {
  readonly tls?: { readonly mode?: string };
  readonly portLevelSettings?: ReadonlyArray<{ readonly port?: { readonly number?: number }; readonly tls?: { readonly mode?: string } }>;
}

function tlsModeOf(policy: TrafficPolicyTls | undefined, port: number): string | undefined {
  const portLevel = policy?.portLevelSettings?.find((setting) => setting.port?.number === port)?.tls?.mode;
  return portLevel ?? policy?.tls?.mode;
}

/** The DestinationRule `tls.mode` for a port and subset: subset over top level, port-level over general. */
export function destinationRuleTlsMode(spec: DestinationRuleSpec | undefined, port: number, subset?: string): string | undefined {
  const subsetPolicy = subset ? spec?.subsets?.find((candidate) => candidate.name === subset)?.trafficPolicy : undefined;
  return tlsModeOf(subsetPolicy, port) ?? tlsModeOf(spec?.trafficPolicy, port);
}
