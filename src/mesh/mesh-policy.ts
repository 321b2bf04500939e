/** Mesh-wide mutual TLS default, applied when no PeerAuthentication selects a workload. */
export enum MtlsMode {
  /** Sidecars accept only mutual TLS. */
  STRICT = 'STRICT',
  /** Sidecars accept both mutual TLS and plaintext, the safe choice while migrating. */
  PERMISSIVE = 'PERMISSIVE',
  /** Sidecars accept only plaintext. */
  DISABLE = 'DISABLE',
}

/** What a sidecar does with a request for a host the mesh does not know. */
export enum OutboundTrafficPolicy {
  /** Pass it through to its original destination. */
  ALLOW_ANY = 'ALLOW_ANY',
  /** Reject it: only services of the mesh and ServiceEntries are reachable. */
  REGISTRY_ONLY = 'REGISTRY_ONLY',
}

/** How workloads get their sidecar. */
export enum InjectionMode {
  /** Sidecars are written into the pod templates at synth time: the YAML is what runs. */
  SYNTH = 'SYNTH',
  /**
   * Workload namespaces are labelled `istio-injection=enabled` and an Istio injection webhook
   * already running in the cluster adds the sidecars.
   */
  ISTIO_WEBHOOK = 'ISTIO_WEBHOOK',
}
