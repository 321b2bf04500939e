/**
 * An HTTPS Gateway server whose credential Secret is not in the config is left out of the router's
 * listeners (Envoy would otherwise wait for a certificate that never comes). That must not be silent:
 * the server is reported as not applied, with where the Secret was looked for and how to provide it.
 */
import type { MeshObject } from '../push/contract';
import { serverCredentials } from './gateway-credential-refs';

/** Gateway → its servers that cannot be served for want of a Secret. */
export function missingGatewayCredentials(objects: readonly MeshObject[]): Map<MeshObject, { path: string; reason: string }[]> {
  const pods = objects.filter((object) => object.kind === 'Pod');
  const secrets = new Set(objects.filter((object) => object.kind === 'Secret').map((secret) => `${secret.metadata.namespace ?? 'default'}/${secret.metadata.name}`));
  const missing = new Map<MeshObject, { path: string; reason: string }[]>();
  for (const gateway of objects.filter((object) => object.kind === 'Gateway')) {
    const fields = serverCredentials(gateway, pods)
      .filter(({ name, namespaces }) => !namespaces.some((namespace) => secrets.has(`${namespace}/${name}`)))
      .map(({ serverIndex, name, namespaces }) => ({
        path: `spec.servers[${serverIndex}].tls.credentialName`,
        reason: `the server is not served: no kubernetes.io/tls Secret '${name}' in namespace ${namespaces.join(' or ')} (where the gateway runs); `
          + 'create it there (in Kubernetes mode the reconciler reads it by name, as IngressGateway.addHttpsServer grants), or put it in the config directory',
      }));
    if (fields.length > 0) missing.set(gateway, fields);
  }
  return missing;
}
