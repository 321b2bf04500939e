/**
 * The base graph, before the traffic appenders: a node per declared service, version, gateway and
 * external service, a node per calling workload telemetry saw (a version node when the caller is a
 * version of a service), route and mirror edges from the accepted routing, and a traffic edge per
 * caller → destination seen in the window. The declared part (with its badges and declared weights)
 * only changes with the config, so it is built once per push context and copied per request.
 */
import type { DeclaredGraph, DeclaredService } from '../model';
import type { PushContext } from '../push/push-context';
import { appendBadges } from './appenders/badge-appender';
import { appendDeclaredWeights } from './appenders/weight-appender';
import { declaredView } from './declared-view';
import type { GraphEdge, GraphNode } from './observatory-graph';
import type { ObservatoryInputs } from './observatory-inputs';
import { hostOfCallerKey, TrafficIndex, versionKey } from './traffic-index';

/** The declared part of the graph: what the config alone decides. */
export interface DeclaredDraft {
  readonly declared: DeclaredGraph;
  readonly inputs: ObservatoryInputs;
  readonly nodes: Map<string, GraphNode>;
  readonly edges: Map<string, GraphEdge>;
  /** Service host → service node id. */
  readonly serviceByHost: ReadonlyMap<string, string>;
  /** Each declared service with the keys the appenders look its versions up by, made once. */
  readonly services: readonly ServiceKeys[];
}

export interface ServiceKeys {
  readonly service: DeclaredService;
  readonly versions: readonly { readonly id: string; readonly trafficKey: string; readonly routeEdge: string }[];
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
  /** The traffic edge of each caller → host seen so far under this config. */
  readonly callerEdges: Map<string, CallerEdge>;
}

interface CallerEdge {
  readonly id: string;
  readonly from: GraphNode;
  readonly to: GraphNode;
  /** What the edge was made from; made again should a caller's app or version change. */
  readonly source: string;
  readonly external: boolean;
}

const baseByPush = new WeakMap<PushContext, CachedBase>();

export function buildBaseGraph(inputs: ObservatoryInputs & { readonly push: PushContext }, windowMs: number, traffic: TrafficIndex): GraphDraft {
  const { base, callerEdges: knownEdges } = declaredBase(inputs);
  // Appenders set traffic, endpoints and health on the copies; the cached nodes and edges stay as declared.
  const nodes = new Map<string, GraphNode>();
  for (const [id, node] of base.nodes) nodes.set(id, { ...node });
  const edges = new Map<string, GraphEdge>();
  for (const [id, edge] of base.edges) edges.set(id, { ...edge });

  const draft: GraphDraft = { ...base, inputs, windowMs, nodes, edges, traffic, callerEdges: new Map() };
  for (const [key, callerTraffic] of traffic.byCaller) {
    const source = `${callerTraffic.source.app}/${callerTraffic.source.version}`;
    const external = callerTraffic.destination.external;
    let known = knownEdges.get(key);
    if (!known || known.source !== source || known.external !== external) {
      const from = callerNode(base, callerTraffic.source);
      const to = destinationNode(base, hostOfCallerKey(key), external);
      known = { id: `traffic:${from.id}->${to.id}`, from, to, source, external };
      knownEdges.set(key, known);
    }
    if (!nodes.has(known.from.id)) nodes.set(known.from.id, { ...known.from });
    if (!nodes.has(known.to.id)) nodes.set(known.to.id, { ...known.to });
    edges.set(known.id, { id: known.id, kind: 'traffic', from: known.from.id, to: known.to.id });
    draft.callerEdges.set(known.id, key);
  }
  return draft;
}

function declaredBase(inputs: ObservatoryInputs & { readonly push: PushContext }): CachedBase {
  const rollouts = JSON.stringify(inputs.rollouts);
  const cached = baseByPush.get(inputs.push);
  if (cached && cached.rejected === inputs.rejected && cached.rollouts === rollouts) return cached;
  const base = buildDeclaredBase(declaredView(inputs.push, inputs.servedObjects, inputs.mesh), inputs);
  appendDeclaredWeights(base);
  appendBadges(base);
  const fresh = { rejected: inputs.rejected, rollouts, base, callerEdges: new Map() };
  baseByPush.set(inputs.push, fresh);
  return fresh;
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
  const services = declared.services.map((service) => ({
    service,
    versions: service.versions.map((version) => ({ id: version.id, trafficKey: versionKey(service.host, version.name), routeEdge: `route:${service.id}->${version.id}` })),
  }));
  return { declared, inputs, nodes, edges, serviceByHost, services };
}

/** The node of a calling workload: the version node it runs as, else a workload node of its own. */
function callerNode(base: DeclaredDraft, source: { namespace: string; workload: string; app: string; version: string }): GraphNode {
  const version = base.nodes.get(`version:${source.namespace}/${source.app}/${source.version}`);
  if (version) return version;
  const id = `workload:${source.namespace}/${source.workload}`;
  return base.nodes.get(id) ?? { id, kind: 'workload', namespace: source.namespace, name: source.workload, badges: [] };
}

function destinationNode(base: DeclaredDraft, host: string, external: boolean): GraphNode {
  const known = base.serviceByHost.get(host);
  if (known) return base.nodes.get(known)!;
  const id = `host:${host}`;
  return { id, kind: external ? 'external' : 'unknown', namespace: '', name: host, badges: [] };
}
