/**
 * What changed between two pushes whose config is the same besides workloads (Pods,
 * EndpointSlices, WorkloadEntries) and VirtualServices, as read-tracker keys: the services whose
 * endpoints differ, the workload objects that differ, and the hosts whose VirtualService differs.
 * Endpoint churn and route edits are most of a mesh's config changes; knowing this lets a push
 * rebuild only what read them (Istio's incremental EDS push and typed push requests do the same).
 */
import type { MeshObject } from './contract';
import type { PushContext } from './push-context';
import { virtualServiceReadKey, workloadReadKey } from './read-tracker';
import { namespaceOf } from './service-registry';

/** Kinds whose objects only ever reach generation through endpoints and `workloadOf`. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['Pod', 'EndpointSlice', 'WorkloadEntry']);

export interface PushChanges {
  /**
   * Host names whose endpoints changed, `workload:<namespace>/<name>` of each changed Pod or
   * WorkloadEntry, and `virtualService:<host>` of each host whose VirtualService changed.
   */
  readonly changed: ReadonlySet<string>;
}

/** Undefined when anything else differs: then nothing of the previous push is reused. */
export function changesSince(previous: PushContext, next: PushContext): PushChanges | undefined {
  if (previous.mesh !== next.mesh || !sameObjects(previous.configObjects, next.configObjects)) return undefined;
  // Which workload labels routing reads is part of every shared value's key; the keys must mean the same.
  if (previous.routingLabelKeys.join('\n') !== next.routingLabelKeys.join('\n')) return undefined;
  const before = byKindAndName(previous.workloadObjects);
  const after = byKindAndName(next.workloadObjects);
  const changed = new Set<string>();
  const namespaces = new Set<string>();
  const mark = (object: MeshObject) => {
    const namespace = namespaceOf(object);
    namespaces.add(namespace);
    if (object.kind !== 'EndpointSlice') changed.add(workloadReadKey(namespace, object.metadata.name));
  };
  for (const [key, object] of after) if (before.get(key) !== object) mark(object);
  for (const [key, object] of before) if (!after.has(key)) mark(object);
  // A workload serves only services of its own namespace (selectors and EndpointSlices are namespaced).
  for (const service of next.services()) {
    if (namespaces.has(service.namespace) && previous.endpointFingerprint(service.hostname) !== next.endpointFingerprint(service.hostname)) {
      changed.add(service.hostname);
    }
  }
  if (!sameObjects(previous.servedVirtualServices, next.servedVirtualServices)) {
    for (const service of next.services()) {
      const before = previous.virtualServiceFor(service.hostname)?.object;
      const after = next.virtualServiceFor(service.hostname)?.object;
      if (before !== after && (!before || !after || !sameObjects([before], [after]))) changed.add(virtualServiceReadKey(service.hostname));
    }
  }
  return { changed };
}

/** Same objects in the same order: by identity, or by content for copies made per push (chaos windows, rollout weights). */
function sameObjects(a: readonly MeshObject[], b: readonly MeshObject[]): boolean {
  return a.length === b.length && a.every((object, index) => object === b[index] || JSON.stringify(object) === JSON.stringify(b[index]));
}

function byKindAndName(objects: readonly MeshObject[]): Map<string, MeshObject> {
  return new Map(objects.map((object) => [`${object.kind}/${namespaceOf(object)}/${object.metadata.name}`, object]));
}
