/** Mesh-wide settings, the reconciler's equivalent of Istio's MeshConfig. */

/** What a sidecar does with a request for a host the registry does not know. */
export type OutboundTrafficPolicyMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** Mesh-wide mTLS default when no PeerAuthentication selects a workload. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** How workloads get their sidecar; informational for the reconciler, which serves both alike. */
export type InjectionMode = 'SYNTH' | 'ISTIO_WEBHOOK';

export interface MeshSettings {
  /** SPIFFE trust domain of workload identities. */
  readonly trustDomain: string;
  readonly outboundTrafficPolicy: OutboundTrafficPolicyMode;
  readonly defaultMtlsMode: MtlsMode;
  /** Kubernetes cluster DNS suffix, e.g. `cluster.local`. */
  readonly clusterDomain: string;
  /** Namespace whose security policies apply mesh-wide (Istio's root namespace). */
  readonly rootNamespace: string;
  readonly injectionMode: InjectionMode;
}

export const DEFAULT_MESH_SETTINGS: MeshSettings = {
  trustDomain: 'cluster.local',
  outboundTrafficPolicy: 'ALLOW_ANY',
  defaultMtlsMode: 'PERMISSIVE',
  clusterDomain: 'cluster.local',
  rootNamespace: 'istio-system',
  injectionMode: 'SYNTH',
};

/** The allowed values of each enumerated setting; free-text settings map to undefined. */
const ALLOWED_VALUES: { readonly [K in keyof MeshSettings]: readonly string[] | undefined } = {
  trustDomain: undefined,
  outboundTrafficPolicy: ['ALLOW_ANY', 'REGISTRY_ONLY'],
  defaultMtlsMode: ['STRICT', 'PERMISSIVE', 'DISABLE'],
  clusterDomain: undefined,
  rootNamespace: undefined,
  injectionMode: ['SYNTH', 'ISTIO_WEBHOOK'],
};

/**
 * Mesh settings from a parsed mesh config document (the `mesh-config` ConfigMap the Mesh construct
 * writes): missing keys take their defaults; unknown keys and bad values are refused, naming
 * `where` (the file), the key, the value and what is accepted.
 */
export function meshSettingsFromConfig(parsed: unknown, where: string): MeshSettings {
  if (parsed === null || parsed === undefined) return DEFAULT_MESH_SETTINGS;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${where} must hold a map of mesh settings, e.g. 'trustDomain: example.org'`);
  }
  const known = Object.keys(DEFAULT_MESH_SETTINGS);
  const entries = Object.entries(parsed as Record<string, unknown>);
  const unknownKeys = entries.map(([key]) => key).filter((key) => !known.includes(key));
  if (unknownKeys.length > 0) {
    throw new Error(`${where} has unknown settings ${unknownKeys.join(', ')}; known: ${known.join(', ')}`);
  }
  for (const [key, value] of entries) {
    const allowed = ALLOWED_VALUES[key as keyof MeshSettings];
    if (typeof value !== 'string' || value === '' || (allowed && !allowed.includes(value))) {
      const expected = allowed ? `one of ${allowed.join(', ')}` : 'a non-empty string';
      throw new Error(`${where}: ${key} is ${JSON.stringify(value)}; it must be ${expected}`);
    }
  }
  return { ...DEFAULT_MESH_SETTINGS, ...(parsed as Partial<MeshSettings>) };
}
