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

export function appendTraffic(draft: GraphDraft): void {
  const { byCaller, byHost, byVersion } = draft.traffic;
  for (const [edgeId, key] of draft.callerEdges) {
    const traffic = byCaller.get(key);
    const edge = draft.edges.get(edgeId);
    if (edge && traffic) edge.traffic = trafficSummary(traffic);
  }
  for (const { service, versions } of draft.services) {
    const node = draft.nodes.get(service.id);
    const traffic = byHost.get(service.host);
    if (node && traffic) node.traffic = trafficSummary(traffic);
    for (const version of versions) {
      const versionTraffic = byVersion.get(version.trafficKey);
      const versionNode = draft.nodes.get(version.id);
      if (!versionTraffic || !versionNode) continue;
      versionNode.traffic = trafficSummary(versionTraffic);
      const edge = draft.edges.get(version.routeEdge);
      if (edge) edge.traffic = versionNode.traffic;
    }
  }
}
