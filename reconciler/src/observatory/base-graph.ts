/**
 * The base graph, before any appender: a node per declared service, version, gateway and external
 * service, a node per calling workload telemetry saw (a version node when the caller is a version
 * of a service), route and mirror edges from the accepted routing, and a traffic edge per caller →
 * destination seen in the window.
 */
import type { DeclaredGraph } from '../model';
import type { GraphEdge, GraphNode } from './observatory-graph';
import type { ObservatoryInputs } from './observatory-inputs';
import { hostOfCallerKey, TrafficIndex } from './traffic-index';

/** The graph under construction: appenders add to its nodes and edges in place. */
export interface GraphDraft {
  readonly declared: DeclaredGraph;
  readonly inputs: ObservatoryInputs;
  readonly windowMs: number;
  readonly nodes: Map<string, GraphNode>;
  readonly edges: Map<string, GraphEdge>;
  /** Service host → service node id. */
  readonly serviceByHost: ReadonlyMap<string, string>;
  readonly traffic: TrafficIndex;
  /** Traffic edge id → the `callerKey` of its traffic in the index. */
  readonly callerEdges: Map<string, string>;
}

export function buildBaseGraph(declared: DeclaredGraph, inputs: ObservatoryInputs, windowMs: number, traffic: TrafficIndex): GraphDraft {
  const nodes = new Map<string, GraphNode>();
  const add = (node: Omit<GraphNode, 'badges'>) => nodes.set(node.id, { ...node, badges: [] });
  const serviceByHost = new Map<string, string>();
  for (const service of declared.services) {
    add({ id: service.id, kind: service.declared ? 'service' : 'unknown', namespace: service.namespace, name: service.name, mtlsMode: service.mtlsMode });
    serviceByHost.set(service.host, service.id);
    for (const version of service.versions) {
      add({ id: version.id, kind: 'version', namespace: service.namespace, name: version.name, service: service.id });
    }
  }
  for (const gateway of declared.gateways) add({ id: gateway.id, kind: 'gateway', namespace: gateway.namespace, name: gateway.name });
  for (const external of declared.externalServices) {
    add({ id: external.id, kind: 'external', namespace: external.namespace, name: external.name });
    for (const host of external.hosts) serviceByHost.set(host, external.id);
  }

  const edges = new Map<string, GraphEdge>();
  for (const edge of declared.edges) {
    if (edge.kind !== 'route' && edge.kind !== 'mirror') continue;
    if (!nodes.has(edge.from) || !nodes.has(edge.to)) continue;
    const id = `${edge.kind}:${edge.from}->${edge.to}`;
    if (!edges.has(id)) edges.set(id, { id, kind: edge.kind, from: edge.from, to: edge.to });
  }

  const draft: GraphDraft = { declared, inputs, windowMs, nodes, edges, serviceByHost, traffic, callerEdges: new Map() };
  for (const [key, callerTraffic] of traffic.byCaller) {
    const from = callerNode(draft, callerTraffic.source);
    const to = destinationNode(draft, hostOfCallerKey(key), callerTraffic.destination.external);
    const id = `traffic:${from}->${to}`;
    edges.set(id, { id, kind: 'traffic', from, to });
    draft.callerEdges.set(id, key);
  }
  return draft;
}

/** The node of a calling workload: the version node it runs as, else a workload node of its own. */
export function callerNode(draft: GraphDraft, source: { namespace: string; workload: string; app: string; version: string }): string {
  const versionId = `version:${source.namespace}/${source.app}/${source.version}`;
  if (draft.nodes.has(versionId)) return versionId;
  const id = `workload:${source.namespace}/${source.workload}`;
  if (!draft.nodes.has(id)) draft.nodes.set(id, { id, kind: 'workload', namespace: source.namespace, name: source.workload, badges: [] });
  return id;
}

function destinationNode(draft: GraphDraft, host: string, external: boolean): string {
  const known = draft.serviceByHost.get(host);
  if (known) return known;
  const id = `host:${host}`;
  if (!draft.nodes.has(id)) draft.nodes.set(id, { id, kind: external ? 'external' : 'unknown', namespace: '', name: host, badges: [] });
  return id;
}
