/**
 * Endpoints behind each service and version: how many the registry has, and how many the
 * callers' outlier detection ejects right now (each caller ejects on its own; the graph shows the
 * average caller's view, at most every endpoint).
 */
import type { PushContext } from '../../push/push-context';
import type { GraphDraft } from '../base-graph';
import { serviceEndpoints, subsetEndpoints } from '../service-endpoints';
import { versionKey } from '../traffic-index';

/** Endpoint counts by node id, with the traffic key that says how many of them callers eject. */
const countsByPush = new WeakMap<PushContext, { readonly id: string; readonly total: number; readonly ejectedKey: string; readonly byVersion: boolean }[]>();

export function appendEndpoints(draft: GraphDraft): void {
  const push = draft.inputs.push;
  if (!push) return;
  const { byHost: ejectedByHost, byVersion: ejectedByVersion } = draft.traffic;
  for (const count of endpointCounts(draft, push)) {
    const node = draft.nodes.get(count.id);
    const traffic = count.byVersion ? ejectedByVersion.get(count.ejectedKey) : ejectedByHost.get(count.ejectedKey);
    if (node) node.endpoints = { total: count.total, ejected: ejectedOf(traffic, count.total) };
  }
}

/** Counts depend on the config alone: computed once per push context. */
function endpointCounts(draft: GraphDraft, push: PushContext) {
  let counts = countsByPush.get(push);
  if (counts) return counts;
  counts = [];
  for (const declared of draft.declared.services) {
    const service = push.serviceByHost(declared.host);
    if (!service || service.ports.length === 0 || service.external) continue;
    counts.push({ id: declared.id, total: serviceEndpoints(push, service).length, ejectedKey: declared.host, byVersion: false });
    for (const version of declared.versions) {
      const labels = subsetLabels(push, declared.host, declared.namespace, version.name);
      counts.push({ id: version.id, total: subsetEndpoints(push, service, labels).length, ejectedKey: versionKey(declared.host, version.name), byVersion: true });
    }
  }
  countsByPush.set(push, counts);
  return counts;
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
