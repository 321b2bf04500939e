// Lays the graph out left to right with dagre. The layout depends only on the sorted node and
// edge ids, and is kept while they stay the same, so a refresh moves nothing.
import { Graph, layout } from '@dagrejs/dagre';

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 56;

let cachedKey = '';
let cachedLayout;

export function graphLayout(graph) {
  const key = JSON.stringify([graph.nodes.map((node) => node.id), graph.edges.map((edge) => edge.id)]);
  if (key === cachedKey) return cachedLayout;
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 170, marginx: 30, marginy: 30 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graph.edges) g.setEdge(edge.from, edge.to, { width: 150, height: 30, labelpos: 'c' }, edge.id);
  layout(g);
  const nodes = new Map(graph.nodes.map((node) => [node.id, g.node(node.id)]));
  const edges = new Map(graph.edges.map((edge) => [edge.id, g.edge(edge.from, edge.to, edge.id)]));
  cachedKey = key;
  cachedLayout = { nodes, edges, width: g.graph().width, height: g.graph().height };
  return cachedLayout;
}
