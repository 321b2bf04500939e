/**
 * SDS: the proxy's own certificate (`default`) and the mesh root (`ROOTCA`) as `Secret` resources,
 * which Envoy requests over ADS by name. A proxy only ever receives the key of its own identity.
 */
import type { ProxyIdentity, XdsResource } from '../../../push/contract';
import { TYPE_URLS } from '../../../push/contract';
import type { WorkloadCertificate } from '../../../security/workload-certs';

export const SDS_SECRET_NAMES = {
  /** The proxy's own certificate chain and private key. */
  identity: 'default',
  /** The trust anchors peers are verified against. */
  rootCa: 'ROOTCA',
} as const;

/** An `SdsSecretConfig` that fetches the named secret over the proxy's ADS stream. */
export function sdsSecretConfig(name: string): Record<string, unknown> {
  return { name, sds_config: { ads: {}, resource_api_version: 'V3' } };
}

/**
 * By certificate and by root PEM: every push asks for each proxy's secrets, and the same object
 * is encoded once; a rotated certificate is a new object, so a new secret.
 */
const identitySecrets = new WeakMap<WorkloadCertificate, XdsResource>();
let lastRootCaSecret: { readonly pem: string; readonly secret: XdsResource } | undefined;

export function identitySecret(certificate: WorkloadCertificate): XdsResource {
  let secret = identitySecrets.get(certificate);
  if (!secret) {
    secret = buildIdentitySecret(certificate);
    identitySecrets.set(certificate, secret);
  }
  return secret;
}

export function rootCaSecret(rootCertificatePem: string): XdsResource {
  if (lastRootCaSecret?.pem !== rootCertificatePem) lastRootCaSecret = { pem: rootCertificatePem, secret: buildRootCaSecret(rootCertificatePem) };
  return lastRootCaSecret.secret;
}

function buildIdentitySecret(certificate: WorkloadCertificate): XdsResource {
  return {
    name: SDS_SECRET_NAMES.identity,
    resource: {
      '@type': TYPE_URLS.secret,
      'name': SDS_SECRET_NAMES.identity,
      'tls_certificate': {
        certificate_chain: { inline_string: certificate.certificateChainPem },
        private_key: { inline_string: certificate.privateKeyPem },
      },
    },
  };
}

function buildRootCaSecret(rootCertificatePem: string): XdsResource {
  return {
    name: SDS_SECRET_NAMES.rootCa,
    resource: {
      '@type': TYPE_URLS.secret,
      'name': SDS_SECRET_NAMES.rootCa,
      'validation_context': { trusted_ca: { inline_string: rootCertificatePem } },
    },
  };
}

/** Issues (or reuses) certificates; satisfied by WorkloadCertificateCache. */
export interface CertificateSource {
  get(identity: { namespace: string; serviceAccount: string }): Promise<WorkloadCertificate>;
}

/**
 * The secrets a proxy asked for, in request order; unknown names are omitted. The identity secret
 * is always issued for the requesting proxy's own namespace and service account.
 */
export async function generateProxySecrets(
  proxy: Pick<ProxyIdentity, 'namespace' | 'serviceAccount'>,
  requestedNames: readonly string[],
  certificates: CertificateSource,
  rootCertificatePem: string,
): Promise<XdsResource[]> {
  const secrets: XdsResource[] = [];
  for (const name of new Set(requestedNames)) {
    if (name === SDS_SECRET_NAMES.identity) {
      secrets.push(identitySecret(await certificates.get({ namespace: proxy.namespace, serviceAccount: proxy.serviceAccount })));
    } else if (name === SDS_SECRET_NAMES.rootCa) {
      secrets.push(rootCaSecret(rootCertificatePem));
    }
  }
  return secrets;
}
