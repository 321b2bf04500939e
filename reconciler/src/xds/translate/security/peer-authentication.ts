/**
 * The effective PeerAuthentication mode of a workload port. Precedence, most specific first:
 * the workload policy's `portLevelMtls[port]`, its `mtls`, the namespace policy, the mesh-wide
 * policy in the root namespace, then PERMISSIVE. `UNSET` (or an absent mode) inherits from the
 * next level down.
 */
import type { MeshObject } from '../../../push/contract';
import { PolicyTarget, ScopeRules, applicablePolicies, policyLevel, qualifiedName } from './policy-scope';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
export const DEFAULT_MTLS_MODE: MtlsMode = 'PERMISSIVE';

const KNOWN_MODES = new Set(['STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET']);

/** A set mode, undefined for UNSET/absent; throws on an unknown value naming the object and field. */
function explicitMode(policy: MeshObject, field: string, value: unknown): MtlsMode | undefined {
  if (value === undefined || value === null || value === 'UNSET') return undefined;
  if (typeof value !== 'string' || !KNOWN_MODES.has(value)) {
    throw new Error(`PeerAuthentication ${qualifiedName(policy)}: ${field} is ${JSON.stringify(value)}; use one of STRICT, PERMISSIVE, DISABLE or UNSET`);
  }
  return value as MtlsMode;
}

/**
 * When several policies sit at one level (an unsupported ambiguity in Istio too), the first by
 * namespace/name wins so the outcome is deterministic.
 */
function firstAt(policies: readonly MeshObject[], level: string, target: PolicyTarget, rules: ScopeRules) {
  return policies.find((policy) => policyLevel(policy, target, rules) === level);
}

export function resolveMtlsMode(
  objects: readonly MeshObject[], target: PolicyTarget, port: number, rootNamespace: string, meshDefault: MtlsMode = DEFAULT_MTLS_MODE): MtlsMode {
  // PeerAuthentication selectors in the root namespace only select root-namespace workloads.
  const rules: ScopeRules = { rootNamespace, rootSelectorIsMeshWide: false };
  const policies = applicablePolicies(objects, 'PeerAuthentication', target, rules);
  const workload = firstAt(policies, 'workload', target, rules);
  const namespace = firstAt(policies, 'namespace', target, rules);
  const mesh = firstAt(policies, 'mesh', target, rules);
  const candidates: Array<MtlsMode | undefined> = [
    workload && explicitMode(workload, `spec.portLevelMtls["${port}"].mode`, workload.spec?.portLevelMtls?.[String(port)]?.mode),
    workload && explicitMode(workload, 'spec.mtls.mode', workload.spec?.mtls?.mode),
    namespace && explicitMode(namespace, 'spec.mtls.mode', namespace.spec?.mtls?.mode),
    mesh && explicitMode(mesh, 'spec.mtls.mode', mesh.spec?.mtls?.mode),
  ];
  return candidates.find((mode) => mode !== undefined) ?? meshDefault;
}
