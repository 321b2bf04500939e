/** Mesh-wide settings, the reconciler's equivalent of Istio's MeshConfig. */

/** What a sidecar does with a request for a host the registry does not know. */
export type OutboundTrafficPolicyMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** Mesh-wide mTLS default when no PeerAuthentication selects a workload. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface MeshSettings {
  /** SPIFFE trust domain of workload identities. */
  readonly trustDomain: string;
  readonly outboundTrafficPolicy: OutboundTrafficPolicyMode;
  readonly defaultMtlsMode: MtlsMode;
  /** Kubernetes cluster DNS suffix, e.g. `cluster.local`. */
  readonly clusterDomain: string;
}

export const DEFAULT_MESH_SETTINGS: MeshSettings = {
  trustDomain: 'cluster.local',
  outboundTrafficPolicy: 'ALLOW_ANY',
  defaultMtlsMode: 'PERMISSIVE',
  clusterDomain: 'cluster.local',
};
