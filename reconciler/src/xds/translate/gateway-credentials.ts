/**
 * Gateway TLS certificates. `tls.credentialName` names a `kubernetes.io/tls` Secret in the router's
 * namespace, read from the config like any other object (a Secret file in the config directory);
 * the router fetches it over SDS as `kubernetes://<name>`, Istio's name, so the key never sits in
 * a listener. `tls.serverCertificate`/`privateKey` name files mounted into the router instead.
 */
import type { MeshObject, XdsResource } from '../../push/contract';
import { TYPE_URLS } from '../../push/contract';
import type { PushContext } from '../../push/push-context';
import type { GatewayServerRef } from './gateway-servers';
import { sdsSecretConfig } from './security/sds';

const CREDENTIAL_PREFIX = 'kubernetes://';
const CERTIFICATE_KEY = 'tls.crt';
const PRIVATE_KEY_KEY = 'tls.key';

/** The SDS name of a credential. */
export function credentialSecretName(credentialName: string): string {
  return `${CREDENTIAL_PREFIX}${credentialName}`;
}

/**
 * The `common_tls_context` certificate part of an HTTPS server, or undefined while its Secret is
 * not in the config: the server is then left out rather than holding the listener back waiting
 * for a secret that never comes.
 */
export function serverCertificateConfig(ref: GatewayServerRef, push: PushContext, proxyNamespace: string): Record<string, unknown> | undefined {
  const tls = ref.server.tls ?? {};
  if (tls.credentialName) {
    return push.secret(proxyNamespace, tls.credentialName)
      ? { tls_certificate_sds_secret_configs: [sdsSecretConfig(credentialSecretName(tls.credentialName))] }
      : undefined;
  }
  if (tls.serverCertificate && tls.privateKey) {
    return { tls_certificates: [{ certificate_chain: { filename: tls.serverCertificate }, private_key: { filename: tls.privateKey } }] };
  }
  throw new Error(`${ref.field}.tls has neither credentialName nor serverCertificate and privateKey; `
    + 'set credentialName to a kubernetes.io/tls Secret in the gateway namespace');
}

/** SDS secrets for every credential the router's HTTPS servers name and the config holds. */
export function credentialSecrets(servers: readonly GatewayServerRef[], push: PushContext, proxyNamespace: string): XdsResource[] {
  const names = [...new Set(servers.map((ref) => ref.server.tls?.credentialName).filter((name): name is string => !!name))].sort();
  return names.flatMap((name) => {
    const secret = push.secret(proxyNamespace, name);
    if (!secret) {
      return [];
    }
    const { certificate, privateKey } = readTlsSecret(secret);
    const sdsName = credentialSecretName(name);
    return [{
      name: sdsName,
      resource: {
        '@type': TYPE_URLS.secret,
        'name': sdsName,
        'tls_certificate': { certificate_chain: { inline_string: certificate }, private_key: { inline_string: privateKey } },
      },
    }];
  });
}

/** PEM certificate chain and key from `data` (base64, as Kubernetes stores them) or `stringData`. */
function readTlsSecret(secret: MeshObject): { certificate: string; privateKey: string } {
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const stringData = (secret.stringData ?? {}) as Record<string, unknown>;
  const read = (key: string): string => {
    if (typeof stringData[key] === 'string') {
      return stringData[key] as string;
    }
    if (typeof data[key] === 'string') {
      return Buffer.from(data[key] as string, 'base64').toString('utf8');
    }
    throw new Error(`Secret ${secret.metadata.namespace ?? 'default'}/${secret.metadata.name} has no '${key}' in data or stringData; `
      + `a gateway credential needs '${CERTIFICATE_KEY}' and '${PRIVATE_KEY_KEY}' (type kubernetes.io/tls)`);
  };
  return { certificate: read(CERTIFICATE_KEY), privateKey: read(PRIVATE_KEY_KEY) };
}
