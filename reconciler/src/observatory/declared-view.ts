/**
 * The accepted config drawn with the shared declared-graph builder, the one the synth-time diagram
 * uses, so both pictures name and group things alike. The builder reads workloads from pod
 * templates; the reconciler holds Pods and WorkloadEntries instead, so each instance stands in
 * as a workload of its telemetry name (`<app>-<version>`), and VirtualServices are taken as served
 * (rollout weights applied). Built once per push context.
 */
import { buildDeclaredGraph, DeclaredGraph, ManifestObject } from '../model';
import type { MeshObject } from '../push/contract';
import type { MeshSettings } from '../push/mesh-settings';
import type { PushContext } from '../push/push-context';
import { instanceFromPod, instanceFromWorkloadEntry } from '../push/service-registry';
import { peerOfInstance } from '../telemetry/workload-peer';

const cache = new WeakMap<PushContext, DeclaredGraph>();

export function declaredView(push: PushContext, servedObjects: readonly MeshObject[], mesh: MeshSettings): DeclaredGraph {
  let graph = cache.get(push);
  if (!graph) {
    graph = buildDeclaredGraph(declaredInput(push, servedObjects), {
      rootNamespace: mesh.rootNamespace, clusterDomain: mesh.clusterDomain, trustDomain: mesh.trustDomain, defaultMtlsMode: mesh.defaultMtlsMode,
    });
    cache.set(push, graph);
  }
  return graph;
}

function declaredInput(push: PushContext, servedObjects: readonly MeshObject[]): ManifestObject[] {
  const workloads = new Map<string, ManifestObject>();
  for (const object of servedObjects) {
    const instance = object.kind === 'Pod' ? instanceFromPod(object) : object.kind === 'WorkloadEntry' ? instanceFromWorkloadEntry(object) : undefined;
    if (!instance) continue;
    const peer = peerOfInstance(instance);
    const key = `${peer.namespace}/${peer.workload}`;
    if (workloads.has(key)) continue;
    workloads.set(key, {
      kind: 'Deployment',
      metadata: { name: peer.workload, namespace: peer.namespace },
      spec: { template: { metadata: { labels: instance.labels }, spec: { serviceAccountName: instance.serviceAccount } } },
    });
  }
  const others = servedObjects.filter((object) => object.kind !== 'VirtualService' && object.kind !== 'Pod' && object.kind !== 'WorkloadEntry');
  return [...others, ...push.allVirtualServiceConfigs().map((config) => config.object), ...workloads.values()];
}
