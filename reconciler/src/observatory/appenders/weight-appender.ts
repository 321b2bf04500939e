/**
 * On each service → version edge, the weight the catch-all route declares (as served, so a running
 * rollout's weight) next to the share of the service's requests that version took in the window.
 */
import type { DeclaredDraft, GraphDraft } from '../base-graph';

/** The declared weights: config only, set once on the cached base graph. */
export function appendDeclaredWeights(draft: DeclaredDraft): void {
  for (const declared of draft.declared.edges) {
    if (declared.kind !== 'route' || declared.match !== '' || declared.weight === undefined || !declared.from.startsWith('service:')) continue;
    const edge = draft.edges.get(`route:${declared.from}->${declared.to}`);
    // The last catch-all route is the one requests without a more specific match take.
    if (edge) edge.declaredWeight = declared.weight;
  }
}

export function appendObservedShares(draft: GraphDraft): void {
  for (const { versions } of draft.services) {
    let total = 0;
    for (const version of versions) total += draft.edges.get(version.routeEdge)?.traffic?.requestsPerSecond ?? 0;
    if (total <= 0) continue;
    for (const version of versions) {
      const edge = draft.edges.get(version.routeEdge);
      if (edge) edge.observedShare = ((edge.traffic?.requestsPerSecond ?? 0) / total) * 100;
    }
  }
}
