/**
 * The observatory's graph, Kiali's way: the base graph (its declared part cached per config), then
 * one appender per concern, then the namespace filter (a node of another namespace stays when an
 * edge joins it to one shown).
 * Nodes and edges are sorted by id, so equal inputs give equal output and the UI keeps its layout.
 */
import { appendEndpoints } from './appenders/endpoint-appender';
import { appendHealth } from './appenders/health-appender';
import { appendSecurity } from './appenders/security-appender';
import { appendTraffic } from './appenders/traffic-appender';
import { appendObservedShares } from './appenders/weight-appender';
import { buildBaseGraph } from './base-graph';
import type { ObservatoryGraph } from './observatory-graph';
import type { ObservatoryInputs } from './observatory-inputs';
import { TrafficIndex, trafficIndex } from './traffic-index';
import { meshValidationCounts } from './validations/validations';

/** Per request, on a copy of the declared base graph (badges and declared weights are already on it). */
const APPENDERS = [appendTraffic, appendObservedShares, appendSecurity, appendEndpoints, appendHealth];

/** @param shared the window's traffic index, when the caller shares one across requests (see SharedTrafficIndex) */
export function buildObservatoryGraph(inputs: ObservatoryInputs, options: { readonly windowMs: number; readonly namespace?: string }, shared?: TrafficIndex): ObservatoryGraph {
  const generatedAt = new Date(inputs.now).toISOString();
  const windowSeconds = options.windowMs / 1000;
  if (!inputs.push) {
    return { namespace: options.namespace, namespaces: [], windowSeconds, generatedAt, nodes: [], edges: [], validationCounts: { error: 0, warning: 0 } };
  }
  const traffic = shared ?? trafficIndex(inputs.traffic, options.windowMs, inputs.now);
  const draft = buildBaseGraph({ ...inputs, push: inputs.push }, options.windowMs, traffic);
  for (const append of APPENDERS) append(draft);

  const namespaces = [...new Set([...draft.nodes.values()].map((node) => node.namespace).filter((namespace) => namespace !== ''))].sort();
  let edges = [...draft.edges.values()];
  let nodes = [...draft.nodes.values()];
  if (options.namespace !== undefined) {
    const inNamespace = new Set(nodes.filter((node) => node.namespace === options.namespace).map((node) => node.id));
    edges = edges.filter((edge) => inNamespace.has(edge.from) || inNamespace.has(edge.to));
    const joined = new Set([...inNamespace, ...edges.flatMap((edge) => [edge.from, edge.to])]);
    nodes = nodes.filter((node) => joined.has(node.id));
  }
  const validations = meshValidationCounts(inputs, options.windowMs, options.namespace, traffic);
  return {
    namespace: options.namespace,
    namespaces,
    windowSeconds,
    generatedAt,
    nodes: nodes.sort((a, b) => compare(a.id, b.id)),
    edges: edges.sort((a, b) => compare(a.id, b.id)),
    validationCounts: { error: validations.error, warning: validations.warning },
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
