/**
 * Endpoints behind each service and version: how many the registry has, and how many the
 * callers' outlier detection ejects right now (each caller ejects on its own; the graph shows the
 * average caller's view, at most every endpoint).
 */
import type { PushContext } from '../../push/push-context';
import type { GraphDraft } from '../base-graph';
import { versionKey } from './traffic-appender';

export function appendEndpoints(draft: GraphDraft): void {
  const { push, traffic, now } = draft.inputs;
  if (!push) return;
  const query = { windowMs: draft.windowMs, direction: 'outbound' as const };
  const ejectedByHost = traffic.groupedTotals(query, (_, destination) => destination.service?.host, now);
  const ejectedByVersion = traffic.groupedTotals(query, (_, destination) =>
    destination.service ? versionKey(destination.service.host, destination.version) : undefined, now);
  for (const declared of draft.declared.services) {
    const service = push.serviceByHost(declared.host);
    const port = service?.ports[0];
    if (!service || !port || service.external) continue;
    const all = push.endpointsFor(service, port).length;
    const node = draft.nodes.get(declared.id);
    if (node) node.endpoints = { total: all, ejected: ejectedOf(ejectedByHost.get(declared.host), all) };
    for (const version of declared.versions) {
      const labels = subsetLabels(push, declared.host, declared.namespace, version.name);
      const total = push.endpointsFor(service, port, labels).length;
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
