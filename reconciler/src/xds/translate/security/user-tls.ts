/**
 * TLS a sidecar originates because a DestinationRule asks for it (`tls.mode` SIMPLE or MUTUAL),
 * built as istiod builds it: the server is verified against `caCertificates`, or the public CA
 * bundle when none is named, and its certificate matched against `subjectAltNames`; with
 * `insecureSkipVerify` it is not verified at all. MUTUAL presents `clientCertificate` and
 * `privateKey`. The certificates are files in the sidecar's filesystem (mounted into the pod),
 * which Envoy reads itself. `credentialName` (a Secret) is not applied to sidecars and is reported
 * so at ingest: a MUTUAL rule with only a credential presents no client certificate. Without `sni`
 * the SNI is the request's host, and without `subjectAltNames` the server's certificate is checked
 * against that host (HTTP ports).
 */
import { isIP } from 'net';
import type { ClientTlsSettings } from '../../../push/istio-spec';
import { TLS_TRANSPORT_SOCKET, UPSTREAM_TLS_CONTEXT } from './mtls';

export type UserTlsSettings = NonNullable<ClientTlsSettings> & { readonly mode: 'SIMPLE' | 'MUTUAL' };

export function originatesUserTls(tls: ClientTlsSettings | undefined): tls is UserTlsSettings {
  return tls?.mode === 'SIMPLE' || tls?.mode === 'MUTUAL';
}

/** A SAN as Envoy matches it: URIs (SPIFFE ids) and addresses by their own type, other names as DNS. */
function sanMatcher(name: string): Record<string, unknown> {
  const sanType = name.includes('://') ? 'URI' : isIP(name) ? 'IP_ADDRESS' : 'DNS';
  return { san_type: sanType, matcher: { exact: name } };
}

export interface UserTlsOptions {
  /** The trust bundle when the rule names no `caCertificates`. */
  readonly publicCaBundle: string;
  /** The cluster speaks HTTP/2 only: advertise it with ALPN. */
  readonly http2: boolean;
  /** Names the rule, for errors: `DestinationRule shop/db spec.trafficPolicy`. */
  readonly field: string;
}

export function userTlsTransportSocket(tls: UserTlsSettings, options: UserTlsOptions): Record<string, unknown> {
  const common: Record<string, unknown> = {};
  if (tls.mode === 'MUTUAL' && tls.clientCertificate && tls.privateKey) {
    common.tls_certificates = [{ certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } }];
  } else if (tls.mode === 'MUTUAL' && !tls.credentialName) {
    // Ingest refuses such a rule (semantic-checks.ts); this guards the translation on its own.
    throw new Error(`${options.field}.tls has mode MUTUAL without clientCertificate and privateKey; `
      + 'set both to the files of the client certificate and its key in the sidecar, or use mode SIMPLE');
  }
  if (!tls.insecureSkipVerify) {
    common.validation_context = {
      trusted_ca: { filename: tls.caCertificates || options.publicCaBundle },
      ...(tls.subjectAltNames?.length ? { match_typed_subject_alt_names: tls.subjectAltNames.map(sanMatcher) } : {}),
      ...(tls.caCrl ? { crl: { filename: tls.caCrl } } : {}),
    };
  }
  if (options.http2) common.alpn_protocols = ['h2'];
  return {
    name: TLS_TRANSPORT_SOCKET,
    typed_config: { '@type': UPSTREAM_TLS_CONTEXT, common_tls_context: common, ...(tls.sni ? { sni: tls.sni } : {}) },
  };
}

/**
 * What an HTTP cluster's upstream options add: without `sni` the SNI is taken from the request's
 * host, and without `subjectAltNames` (and with verification) the certificate is checked against it.
 */
export function userTlsHttpOptions(tls: UserTlsSettings): Record<string, boolean> | undefined {
  if (tls.sni) return undefined;
  const verifyHost = !tls.subjectAltNames?.length && !tls.insecureSkipVerify;
  return { auto_sni: true, ...(verifyHost ? { auto_san_validation: true } : {}) };
}
