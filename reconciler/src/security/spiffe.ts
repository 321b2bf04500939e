/**
 * SPIFFE identities of mesh workloads: `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`,
 * carried as the URI SAN of every workload certificate and matched by authorization policies.
 */

export const SPIFFE_SCHEME = 'spiffe://';

/** The trust domain Istio policies use by default; it always means "this mesh's trust domain". */
export const ISTIO_DEFAULT_TRUST_DOMAIN = 'cluster.local';

export interface WorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export function spiffeId(trustDomain: string, identity: WorkloadIdentity): string {
  return `${SPIFFE_SCHEME}${trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

/** Parses a workload SPIFFE id; undefined when it is not of the `/ns/<ns>/sa/<sa>` form. */
export function parseSpiffeId(id: string): (WorkloadIdentity & { trustDomain: string }) | undefined {
  const match = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id);
  return match ? { trustDomain: match[1], namespace: match[2], serviceAccount: match[3] } : undefined;
}

/**
 * Maps an Istio policy principal (`<trust-domain>/ns/<ns>/sa/<sa>`) to the SPIFFE id a peer
 * certificate carries. `cluster.local` is an alias for the mesh's own trust domain, so policies
 * written for a default Istio install keep working under another trust domain.
 */
export function principalToSpiffeId(principal: string, meshTrustDomain: string): string {
  const slash = principal.indexOf('/');
  if (slash > 0 && principal.slice(0, slash) === ISTIO_DEFAULT_TRUST_DOMAIN) {
    return `${SPIFFE_SCHEME}${meshTrustDomain}${principal.slice(slash)}`;
  }
  return `${SPIFFE_SCHEME}${principal}`;
}
