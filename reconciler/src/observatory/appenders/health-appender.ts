/** Health on service and version nodes (traffic and endpoints) and on every edge with traffic. */
import type { GraphDraft } from '../base-graph';
import { endpointHealth, trafficHealth, worseHealth } from '../health';

export function appendHealth(draft: GraphDraft): void {
  const windowSeconds = draft.windowMs / 1000;
  const thresholds = draft.inputs.thresholds;
  for (const node of draft.nodes.values()) {
    if (node.kind !== 'service' && node.kind !== 'version') continue;
    const fromTraffic = trafficHealth(node.traffic, windowSeconds, thresholds);
    const fromEndpoints = endpointHealth(node.endpoints);
    node.health = fromEndpoints ? worseHealth(fromTraffic, fromEndpoints) : fromTraffic;
  }
  for (const edge of draft.edges.values()) {
    edge.health = trafficHealth(edge.traffic, windowSeconds, thresholds);
  }
}
