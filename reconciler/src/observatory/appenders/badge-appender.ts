/**
 * Badges, Kiali's Istio badges for this mesh: an active fault (with its time window), a circuit
 * breaker (outlier detection or connection limits), a mirror, a canary (the running rollout's
 * step and last verdict, or a split the routing declares), and config of the service that was
 * rejected (an object of its namespace named after it, the way the library names what it writes).
 */
import type { DeclaredEdge, DeclaredService } from '../../model';
import type { TrafficPolicy } from '../../push/istio-spec';
import type { DeclaredDraft } from '../base-graph';
import type { GraphNode } from '../observatory-graph';

export function appendBadges(draft: DeclaredDraft): void {
  const routesFrom = new Map<string, DeclaredEdge[]>();
  for (const edge of draft.declared.edges) {
    if (edge.kind === 'route' || edge.kind === 'mirror') routesFrom.set(edge.from, [...(routesFrom.get(edge.from) ?? []), edge]);
  }
  for (const service of draft.declared.services) {
    const node = draft.nodes.get(service.id);
    if (!node) continue;
    for (const fault of service.faults) {
      const when = fault.match ? ` when ${fault.match}` : '';
      const window = fault.window ? ` (${fault.window})` : '';
      node.badges.push({ kind: 'fault', text: `${fault.summary}${when}${window}` });
    }
    circuitBreakers(draft, service, node);
    canary(draft, service, node, routesFrom.get(service.id) ?? []);
    rejected(draft, service, node);
  }
  for (const edge of draft.edges.values()) {
    if (edge.kind !== 'mirror') continue;
    const weight = routesFrom.get(edge.from)?.find((declared) => declared.kind === 'mirror' && declared.to === edge.to)?.weight;
    const target = draft.nodes.get(edge.to);
    draft.nodes.get(edge.from)?.badges.push({ kind: 'mirror', text: `mirrors ${weight ?? 100} % to ${target?.service ? `${draft.nodes.get(target.service)?.name} ` : ''}${target?.name ?? edge.to}` });
  }
}

function circuitBreakers(draft: DeclaredDraft, service: DeclaredService, node: GraphNode): void {
  const rule = draft.inputs.push?.destinationRuleFor(service.host, { namespace: service.namespace, labels: {} });
  if (!rule) return;
  const top = breakerText(rule.spec.trafficPolicy);
  if (top) node.badges.push({ kind: 'circuit-breaker', text: `${top} (${rule.namespace}/${rule.name})` });
  for (const subset of rule.spec.subsets ?? []) {
    const text = breakerText(subset.trafficPolicy);
    const version = service.versions.find((candidate) => candidate.name === (subset.labels?.version ?? subset.name));
    if (text && version) draft.nodes.get(version.id)?.badges.push({ kind: 'circuit-breaker', text: `${text} (${rule.namespace}/${rule.name} subset ${subset.name})` });
  }
}

function breakerText(policy: TrafficPolicy | undefined): string {
  const parts: string[] = [];
  const outlier = policy?.outlierDetection;
  if (outlier) parts.push(`eject after ${outlier.consecutive5xxErrors ?? outlier.consecutiveGatewayErrors ?? 5} errors for ${outlier.baseEjectionTime ?? '30s'}`);
  const pool = policy?.connectionPool;
  if (pool?.tcp?.maxConnections !== undefined) parts.push(`max ${pool.tcp.maxConnections} connections`);
  if (pool?.http?.http1MaxPendingRequests !== undefined) parts.push(`max ${pool.http.http1MaxPendingRequests} pending`);
  if (pool?.http?.http2MaxRequests !== undefined) parts.push(`max ${pool.http.http2MaxRequests} requests`);
  return parts.length > 0 ? `circuit breaker: ${parts.join(', ')}` : '';
}

function canary(draft: DeclaredDraft, service: DeclaredService, node: GraphNode, routes: readonly DeclaredEdge[]): void {
  const rollout = draft.inputs.rollouts.find((candidate) => candidate.host === service.host);
  if (rollout) {
    const verdict = rollout.lastVerdict ? ` · ${rollout.lastVerdict}` : '';
    node.badges.push({ kind: 'canary', text: `rollout step ${rollout.step}/${rollout.steps} · ${rollout.weight} % · ${rollout.phase}${verdict}` });
    return;
  }
  const split = routes.filter((edge) => edge.kind === 'route' && edge.match === ''
    && edge.weight !== undefined && edge.weight > 0 && edge.weight < 100);
  if (split.length >= 2) {
    const text = split.map((edge) => `${draft.nodes.get(edge.to)?.name ?? edge.to} ${edge.weight} %`).join(' / ');
    node.badges.push({ kind: 'canary', text: `canary: ${text}${service.rollout ? ` · plan ${service.rollout}` : ''}` });
  }
}

function rejected(draft: DeclaredDraft, service: DeclaredService, node: GraphNode): void {
  for (const entry of draft.inputs.rejected) {
    const name = entry.name ?? '';
    if ((entry.namespace ?? 'default') !== service.namespace || (name !== service.name && !name.startsWith(`${service.name}-`))) continue;
    node.badges.push({ kind: 'rejected', text: `${entry.kind} ${service.namespace}/${name} rejected: ${entry.reasons[0] ?? ''}` });
  }
}
