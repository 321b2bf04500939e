/**
 * Rates, error ratios and p99 on every edge and on service and version nodes (their inbound
 * traffic from every caller), each merged from the callers' own reports, latency buckets included.
 */
import type { EdgeTraffic } from '../../telemetry/edge-traffic';
import type { GraphDraft } from '../base-graph';
import type { TrafficSummary } from '../observatory-graph';

export function trafficSummary(traffic: EdgeTraffic): TrafficSummary {
  const requests = traffic.requestsPerSecond;
  return {
    requestsPerSecond: requests,
    errorRatio: traffic.errorRatio,
    clientErrorRatio: requests > 0 ? traffic.responsesPerSecond['4xx'] / requests : undefined,
    grpcErrorRatio: traffic.grpcErrorRatio,
    p99Ms: traffic.latencyMs?.p99,
    tcpBytesPerSecond: traffic.tcp.sentBytesPerSecond + traffic.tcp.receivedBytesPerSecond,
    mtlsShare: traffic.mtlsShare,
  };
}

/** Key of a service's (host) or one version's (host + version) inbound traffic. */
export const versionKey = (host: string, version: string) => `${host}\u0000${version}`;

export function appendTraffic(draft: GraphDraft): void {
  const { inputs, windowMs } = draft;
  for (const [edgeId, traffic] of draft.callerTraffic) {
    const edge = draft.edges.get(edgeId);
    if (edge) edge.traffic = trafficSummary(traffic);
  }
  const outbound = { windowMs, direction: 'outbound' as const };
  const byHost = inputs.traffic.groupedTotals(outbound, (_, destination) => destination.service?.host, inputs.now);
  const byVersion = inputs.traffic.groupedTotals(outbound, (_, destination) =>
    destination.service && destination.version !== 'unknown' ? versionKey(destination.service.host, destination.version) : undefined, inputs.now);
  for (const service of draft.declared.services) {
    const node = draft.nodes.get(service.id);
    const traffic = byHost.get(service.host);
    if (node && traffic) node.traffic = trafficSummary(traffic);
    for (const version of service.versions) {
      const versionTraffic = byVersion.get(versionKey(service.host, version.name));
      const versionNode = draft.nodes.get(version.id);
      if (!versionTraffic || !versionNode) continue;
      versionNode.traffic = trafficSummary(versionTraffic);
      const edge = draft.edges.get(`route:${service.id}->${version.id}`);
      if (edge) edge.traffic = versionNode.traffic;
    }
  }
}
