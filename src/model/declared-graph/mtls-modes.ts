import { DeclaredMtlsMode } from './declared-graph';
import { ManifestObject, namespaceOf, qualifiedName, selects } from './manifest';

/** The mTLS mode a workload gets and the PeerAuthentication that sets it. */
export interface EffectiveMtls {
  readonly mode: DeclaredMtlsMode;
  /** `<namespace>/<name>`; empty for the mesh default. */
  readonly source: string;
}

function declaredMode(policy: ManifestObject): DeclaredMtlsMode | undefined {
  const mode = policy.spec?.mtls?.mode;
  return mode === 'STRICT' || mode === 'PERMISSIVE' || mode === 'DISABLE' ? mode : undefined;
}

/**
 * The mode for workloads with `podLabels` in `namespace`, given the PeerAuthentications sorted by
 * namespace and name (`objectsOfKind`). Istio's precedence: a PeerAuthentication selecting the workload, then one for its namespace
 * (no selector), then one in the root namespace, then the mesh default; `UNSET` (or no mode)
 * inherits from the next level. Among equals the first by name wins, which is deterministic.
 */
export function effectiveMtls(
  peerAuthentications: readonly ManifestObject[], podLabels: readonly { readonly [key: string]: string }[], namespace: string,
  rootNamespace: string, meshDefault: DeclaredMtlsMode,
): EffectiveMtls {
  const policies = peerAuthentications.filter(policy => declaredMode(policy) !== undefined);
  const hasSelector = (policy: ManifestObject) => Object.keys(policy.spec?.selector?.matchLabels ?? {}).length > 0;
  const levels: ((policy: ManifestObject) => boolean)[] = [
    policy => namespaceOf(policy) === namespace && hasSelector(policy)
      && podLabels.some(labels => selects(policy.spec.selector.matchLabels, labels)),
    policy => namespaceOf(policy) === namespace && !hasSelector(policy),
    policy => namespaceOf(policy) === rootNamespace && !hasSelector(policy),
  ];
  for (const applies of levels) {
    const policy = policies.find(applies);
    if (policy) {
      return { mode: declaredMode(policy)!, source: qualifiedName(policy) };
    }
  }
  return { mode: meshDefault, source: '' };
}
