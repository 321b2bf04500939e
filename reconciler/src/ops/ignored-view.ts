/**
 * `/debug/ignored`: what the reconciler read but does not serve. A synthesized app holds many
 * Kubernetes objects that are not mesh config (Deployments, ConfigMaps, Namespaces...): those are
 * counted per kind, so the list stays short; every Istio kind this control plane does not serve and
 * every unknown kind (a typo, a CRD of another project) is listed one by one, with its file.
 */
import type { IgnoredObject } from '../push/contract';

export interface IgnoredView {
  /** `apiVersion kind` → how many objects of it were read, e.g. `apps/v1 Deployment: 12`. */
  readonly notMeshConfig: Readonly<Record<string, number>>;
  /** Istio kinds not served here (valid against their CRD) and kinds the control plane does not know. */
  readonly ignored: readonly IgnoredObject[];
}

export function ignoredView(ignored: readonly IgnoredObject[]): IgnoredView {
  const counts = new Map<string, number>();
  const listed: IgnoredObject[] = [];
  for (const entry of ignored) {
    if (entry.category === 'not-mesh-config') {
      const kind = `${entry.apiVersion} ${entry.kind}`;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    } else {
      listed.push(entry);
    }
  }
  return { notMeshConfig: Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), ignored: listed };
}
