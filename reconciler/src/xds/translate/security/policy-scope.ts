/**
 * Which Istio security policies apply to a workload. A policy in the mesh root namespace without
 * a selector is mesh-wide; one without a selector elsewhere covers its namespace; one with a
 * selector covers the matching workloads of its namespace (or, for authorization and request
 * authentication in the root namespace, of every namespace).
 */
import type { MeshObject } from '../../../push/contract';

/** The mesh config root namespace, as in a default Istio install. */
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

/** The workload a proxy fronts, as far as policy selection needs it. */
export interface PolicyTarget {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export type PolicyLevel = 'mesh' | 'namespace' | 'workload';

export interface WorkloadSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
}

function hasSelector(selector: WorkloadSelector | undefined): selector is WorkloadSelector {
  return Object.keys(selector?.matchLabels ?? {}).length > 0;
}

export function selectorMatches(selector: WorkloadSelector, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

export interface ScopeRules {
  readonly rootNamespace: string;
  /** Whether a selector policy in the root namespace selects workloads of every namespace. */
  readonly rootSelectorIsMeshWide: boolean;
}

/** The level at which the policy applies to the target, or undefined when it does not. */
export function policyLevel(policy: MeshObject, target: PolicyTarget, rules: ScopeRules): PolicyLevel | undefined {
  const namespace = policy.metadata.namespace ?? 'default';
  const selector = policy.spec?.selector as WorkloadSelector | undefined;
  const inRoot = namespace === rules.rootNamespace;
  if (!hasSelector(selector)) {
    if (inRoot) return 'mesh';
    return namespace === target.namespace ? 'namespace' : undefined;
  }
  const sameNamespace = namespace === target.namespace || (inRoot && rules.rootSelectorIsMeshWide);
  return sameNamespace && selectorMatches(selector, target.labels) ? 'workload' : undefined;
}

/** The policies of one kind that apply to the target, in a stable namespace/name order. */
export function applicablePolicies(
  objects: readonly MeshObject[], kind: string, target: PolicyTarget, rules: ScopeRules): MeshObject[] {
  return objects
    .filter((object) => object.kind === kind && policyLevel(object, target, rules) !== undefined)
    .sort((a, b) => qualifiedName(a).localeCompare(qualifiedName(b)));
}

/** `<namespace>/<name>`, used in error messages and generated policy names. */
export function qualifiedName(object: MeshObject): string {
  return `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}
