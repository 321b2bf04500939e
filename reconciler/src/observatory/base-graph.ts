/**
 * The base graph, before the traffic appenders: a node per declared service, version, gateway and
 * external service, a node per calling workload telemetry saw (a version node when the caller is a
 * version of a service), route and mirror edges from the accepted routing, and a traffic edge per
 * caller → destination seen in the window. The declared part (with its badges and declared weights)
 * only changes with the config, so it is built once per push context and copied per request.
 */
import type { DeclaredGraph } from '../model';
import type { PushContext } from '../push/push-context';
import { appendBadges } from './appenders/badge-appender';
import { appendDeclaredWeights } from './appenders/weight-appender';
import { declaredView } from './declared-view';
import type { GraphEdge, GraphNode } from './observatory-graph';
import type { ObservatoryInputs } from './observatory-inputs';
import { hostOfCallerKey, TrafficIndex } from './traffic-index';

/** The declared part of the graph: what the config alone decides. */
export interface DeclaredDraft {
  readonly declared: DeclaredGraph;
  readonly inputs: ObservatoryInputs;
  readonly nodes: Map<string, GraphNode>;
  readonly edges: Map<string, GraphEdge>;
  /** Service host → service node id. */
  readonly serviceByHost: ReadonlyMap<string, string>;
}

/** The graph under construction: the traffic appenders add to its nodes and edges in place. */
export interface GraphDraft extends DeclaredDraft {
  readonly windowMs: number;
  readonly traffic: TrafficIndex;
  /** Traffic edge id → the `callerKey` of its traffic in the index. */
  readonly callerEdges: Map<string, string>;
}

interface CachedBase {
  /** Besides the config, badges read what was rejected and the rollouts' state. */
  readonly rejected: ObservatoryInputs['rejected'];
  readonly rollouts: string;
  readonly base: DeclaredDraft;
}

const baseByPush = new WeakMap<PushContext, CachedBase>();

export function buildBaseGraph(inputs: ObservatoryInputs & { readonly push: PushContext }, windowMs: number, traffic: TrafficIndex): GraphDraft {
  const base = declaredBase(inputs);
  // Appenders set traffic, endpoints and health on the copies; the cached nodes and edges stay as declared.
  const nodes = new Map<string, GraphNode>();
  for (const [id, node] of base.nodes) nodes.set(id, { ...node });
  const edges = new Map<string, GraphEdge>();
  for (const [id, edge] of base.edges) edges.set(id, { ...edge });

  const draft: GraphDraft = { declared: base.declared, inputs, windowMs, nodes, edges, serviceByHost: base.serviceByHost, traffic, callerEdges: new Map() };
  for (const [key, callerTraffic] of traffic.byCaller) {
    const from = callerNode(draft, callerTraffic.source);
    const to = destinationNode(draft, hostOfCallerKey(key), callerTraffic.destination.external);
    const id = `traffic:${from}->${to}`;
    edges.set(id, { id, kind: 'traffic', from, to });
    draft.callerEdges.set(id, key);
  }
  return draft;
}

function declaredBase(inputs: ObservatoryInputs & { readonly push: PushContext }): DeclaredDraft {
  const rollouts = JSON.stringify(inputs.rollouts);
  const cached = baseByPush.get(inputs.push);
  if (cached && cached.rejected === inputs.rejected && cached.rollouts === rollouts) return cached.base;
  const base = buildDeclaredBase(declaredView(inputs.push, inputs.servedObjects, inputs.mesh), inputs);
  appendDeclaredWeights(base);
  appendBadges(base);
  baseByPush.set(inputs.push, { rejected: inputs.rejected, rollouts, base });
  return base;
}

function buildDeclaredBase(declared: DeclaredGraph, inputs: ObservatoryInputs): DeclaredDraft {
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
  return { declared, inputs, nodes, edges, serviceByHost };
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
