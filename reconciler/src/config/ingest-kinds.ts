/** The object kinds the reconciler serves from; everything else in the input is ignored. */

/** `Secret`: `kubernetes.io/tls` objects holding gateway certificates (Gateway `tls.credentialName`). */
export const KUBERNETES_KINDS: ReadonlySet<string> = new Set(['Service', 'Pod', 'EndpointSlice', 'Secret']);

export const ISTIO_KINDS: ReadonlySet<string> = new Set([
  'VirtualService', 'DestinationRule', 'ServiceEntry', 'WorkloadEntry', 'Sidecar', 'Gateway',
  'PeerAuthentication', 'RequestAuthentication', 'AuthorizationPolicy',
]);

export function isMeshKind(kind: string): boolean {
  return KUBERNETES_KINDS.has(kind) || ISTIO_KINDS.has(kind);
}

/** Istio objects are checked against their CRD schema; core Kubernetes kinds are not. */
export function isIstioApiVersion(apiVersion: string): boolean {
  return apiVersion.split('/')[0].endsWith('istio.io');
}
