/**
 * What a proxy pod needs to reach the reconciler's TLS xDS port in Kubernetes: a projected
 * service account token (its proof of identity, checked by TokenReview) and the mesh root
 * certificate (to verify the reconciler), both mounted read-only into the proxy container.
 */
import { XDS_CREDENTIALS, XdsServerAddress } from '../model';

export const TOKEN_VOLUME_NAME = 'istio-token';
export const ROOT_CERT_VOLUME_NAME = 'mesh-ca-root-cert';

/** Where the reconciler is and the name on its certificate. */
export interface XdsEndpoint {
  readonly host: string;
  /** The TLS port. */
  readonly port: number;
  /** Name on the reconciler's serving certificate (its Service host). */
  readonly serverName: string;
}

/** The bootstrap's xDS address: TLS verified against the mounted root, token from the mounted file. */
export function securedXdsAddress(endpoint: XdsEndpoint): XdsServerAddress {
  return {
    host: endpoint.host,
    port: endpoint.port,
    serverName: endpoint.serverName,
    caCertFile: `${XDS_CREDENTIALS.rootCertDir}/${XDS_CREDENTIALS.rootCertKey}`,
    tokenFile: `${XDS_CREDENTIALS.tokenDir}/${XDS_CREDENTIALS.tokenFileName}`,
  };
}

/** Pod volumes: the projected token and the root certificate ConfigMap. */
export function xdsCredentialVolumes(): Record<string, unknown>[] {
  return [
    {
      name: TOKEN_VOLUME_NAME,
      projected: {
        sources: [{
          serviceAccountToken: {
            audience: XDS_CREDENTIALS.tokenAudience,
            expirationSeconds: XDS_CREDENTIALS.tokenExpirationSeconds,
            path: XDS_CREDENTIALS.tokenFileName,
          },
        }],
      },
    },
    {
      name: ROOT_CERT_VOLUME_NAME,
      configMap: { name: XDS_CREDENTIALS.rootCertConfigMap },
    },
  ];
}

/** Read-only mounts of those volumes in the proxy container. */
export function xdsCredentialMounts(): Record<string, unknown>[] {
  return [
    { name: TOKEN_VOLUME_NAME, mountPath: XDS_CREDENTIALS.tokenDir, readOnly: true },
    { name: ROOT_CERT_VOLUME_NAME, mountPath: XDS_CREDENTIALS.rootCertDir, readOnly: true },
  ];
}
