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

/**
 * What the Kubernetes API server does with an Istio object of the mesh when the reconciler's
 * validating webhook cannot be reached (for example while the control plane is first deployed).
 */
export enum AdmissionFailurePolicy {
  /**
   * Admit the object; the reconciler still checks it when it reads it, rejects it if it is invalid
   * and keeps serving the last accepted version. A first `kubectl apply -f` of everything succeeds.
   */
  IGNORE = 'Ignore',
  /**
   * Refuse the object: nothing the reconciler has not checked enters the API. Changes to the mesh's
   * Istio objects fail while no reconciler replica is ready (Argo CD's sync waves start it first).
   */
  FAIL = 'Fail',
}
