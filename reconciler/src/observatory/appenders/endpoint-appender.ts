/**
 * Endpoints behind each service and version: how many the registry has, and how many the
 * callers' outlier detection ejects right now (each caller ejects on its own; the graph shows the
 * average caller's view, at most every endpoint).
 */
import type { PushContext } from '../../push/push-context';
import type { GraphDraft } from '../base-graph';
import { serviceEndpoints, subsetEndpoints } from '../service-endpoints';
import { versionKey } from '../traffic-index';

export function appendEndpoints(draft: GraphDraft): void {
  const push = draft.inputs.push;
  if (!push) return;
  const { byHost: ejectedByHost, byVersion: ejectedByVersion } = draft.traffic;
  for (const declared of draft.declared.services) {
    const service = push.serviceByHost(declared.host);
    if (!service || service.ports.length === 0 || service.external) continue;
    const all = serviceEndpoints(push, service).length;
    const node = draft.nodes.get(declared.id);
    if (node) node.endpoints = { total: all, ejected: ejectedOf(ejectedByHost.get(declared.host), all) };
    for (const version of declared.versions) {
      const labels = subsetLabels(push, declared.host, declared.namespace, version.name);
      const total = subsetEndpoints(push, service, labels).length;
      const versionNode = draft.nodes.get(version.id);
      if (versionNode) versionNode.endpoints = { total, ejected: ejectedOf(ejectedByVersion.get(versionKey(declared.host, version.name)), total) };
    }
  }
}

/** The labels of the subset naming `version` (by its version label or its name), else `version=<name>`. */
export function subsetLabels(push: PushContext, host: string, namespace: string, version: string): Record<string, string> {
  const subsets = push.destinationRuleFor(host, { namespace, labels: {} })?.spec.subsets ?? [];
  const subset = subsets.find((candidate) => candidate.labels?.version === version) ?? subsets.find((candidate) => candidate.name === version);
  return subset?.labels ?? { version };
}

function ejectedOf(traffic: { reporters: number; resilience: { ejectedHosts: number } } | undefined, total: number): number {
  if (!traffic || traffic.reporters === 0) return 0;
  return Math.min(total, Math.round(traffic.resilience.ejectedHosts / traffic.reporters));
}
