// The graph page: nodes per service and version, gateways and external services as their own
// shapes, edges with rate / error % / p99 coloured by health, a lock on mutual-TLS edges, declared
// weight next to observed share on service → version edges, and badges.
import { graphLayout, NODE_HEIGHT, NODE_WIDTH } from './graph-layout.js';
import { el, trafficLine, weight } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
// Letters in coloured discs: they render in any font, unlike emoji.
const BADGE_SYMBOLS = { fault: 'F', 'circuit-breaker': 'CB', mirror: 'M', canary: 'C', rejected: '!' };
const KIND_LABELS = { service: 'service', version: 'version', workload: 'workload', gateway: 'gateway', external: 'external (ServiceEntry)', unknown: 'unknown host' };

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

function shape(kind) {
  const [w, h] = [NODE_WIDTH, NODE_HEIGHT];
  switch (kind) {
    case 'service': return svg('polygon', { class: 'shape', points: `${w / 2},0 ${w},${h} 0,${h}` });
    case 'gateway': return svg('polygon', { class: 'shape', points: `${w / 2},0 ${w},${h / 2} ${w / 2},${h} 0,${h / 2}` });
    case 'external': return svg('polygon', { class: 'shape', points: `15,0 ${w - 15},0 ${w},${h / 2} ${w - 15},${h} 15,${h} 0,${h / 2}` });
    case 'version': case 'workload': return svg('ellipse', { class: 'shape', cx: w / 2, cy: h / 2, rx: w / 2, ry: h / 2 });
    default: return svg('rect', { class: 'shape', width: w, height: h, rx: 6 });
  }
}

function nodeTitle(node, graph) {
  const service = node.service ? graph.nodes.find((candidate) => candidate.id === node.service) : undefined;
  const lines = [`${KIND_LABELS[node.kind]} ${node.namespace ? `${node.namespace}/` : ''}${service ? `${service.name} ` : ''}${node.name}`];
  if (node.health) lines.push(`health: ${node.health.state} (${node.health.reason})`);
  if (node.traffic) lines.push(`inbound: ${trafficLine(node.traffic)}`);
  if (node.endpoints) lines.push(`endpoints: ${node.endpoints.total - node.endpoints.ejected} of ${node.endpoints.total} ready`);
  if (node.mtlsMode) lines.push(`mTLS: ${node.mtlsMode}`);
  for (const badge of node.badges) lines.push(`${BADGE_SYMBOLS[badge.kind]} ${badge.text}`);
  return lines.join('\n');
}

function drawNode(node, position, graph) {
  const service = node.service ? graph.nodes.find((candidate) => candidate.id === node.service) : undefined;
  const health = node.health ? node.health.state : 'none';
  const group = svg('g', {
    'class': `node node-${node.kind} health-${health}`, 'data-id': node.id, 'data-health': health,
    'transform': `translate(${position.x - NODE_WIDTH / 2},${position.y - NODE_HEIGHT / 2})`,
  });
  group.append(svg('title', {}, nodeTitle(node, graph)), shape(node.kind));
  const label = service ? `${service.name} ${node.name}` : node.name;
  group.append(svg('text', { 'class': 'name', 'x': NODE_WIDTH / 2, 'y': NODE_HEIGHT / 2 + 4 }, label));
  group.append(svg('text', { 'class': 'kind', 'x': NODE_WIDTH / 2, 'y': NODE_HEIGHT + 14 }, node.health && node.health.state !== 'Healthy' ? `${KIND_LABELS[node.kind]} · ${node.health.state}` : KIND_LABELS[node.kind]));
  node.badges.forEach((badge, index) => {
    const x = NODE_WIDTH - 4 + index * 22;
    group.append(svg('g', { 'class': `badge badge-${badge.kind}`, 'data-badge': badge.kind },
      svg('title', {}, badge.text), svg('circle', { cx: x, cy: -6, r: 10 }), svg('text', { x, y: -2 }, BADGE_SYMBOLS[badge.kind])));
  });
  if (node.kind === 'service' && node.namespace) {
    const link = svg('a', { href: `#/service/${encodeURIComponent(node.namespace)}/${encodeURIComponent(node.name)}` });
    link.append(...group.childNodes);
    group.append(link);
  }
  return group;
}

function edgeLabel(edge) {
  const lines = [];
  if (edge.kind === 'route' && edge.declaredWeight !== undefined) {
    lines.push(`${weight(edge.declaredWeight)} / ${edge.observedShare === undefined ? '–' : weight(edge.observedShare)}`);
  }
  if (edge.kind === 'mirror') lines.push('mirror');
  lines.push(trafficLine(edge.traffic));
  return lines;
}

/** A padlock drawn as a shackle over a body, centred above (x, y). */
function lock(x, y) {
  return svg('g', { 'class': 'lock', 'transform': `translate(${x - 5},${y - 12})` }, svg('title', {}, 'mutual TLS'),
    svg('path', { 'class': 'shackle', 'd': 'M2 6 V4 a3 3 0 0 1 6 0 V6' }), svg('rect', { 'class': 'body', 'x': 0, 'y': 6, 'width': 10, 'height': 7, 'rx': 1 }));
}

function drawEdge(edge, route) {
  const points = route.points;
  const d = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x},${point.y}`).join(' ');
  const health = edge.health ? edge.health.state : 'none';
  const group = svg('g', { 'class': `edge edge-${edge.kind} health-${health}`, 'data-id': edge.id, 'data-health': health, 'data-mtls': String(edge.mtls === true) });
  group.append(svg('title', {}, `${edge.from} → ${edge.to}\n${edge.health ? `${edge.health.state}: ${edge.health.reason}` : ''}${edge.mtls ? '\nmutual TLS' : ''}`));
  group.append(svg('path', { 'd': d, 'marker-end': 'url(#arrow)' }));
  const lines = edgeLabel(edge);
  lines.forEach((line, index) => group.append(svg('text', { 'class': index === 0 && lines.length > 1 ? 'weights' : 'traffic', 'x': route.x, 'y': route.y + index * 13 - 4 }, line)));
  if (edge.mtls) group.append(lock(route.x, route.y - 16));
  return group;
}

export function renderGraph(container, graph) {
  const layout = graphLayout(graph);
  const root = svg('svg', { class: 'graph', width: Math.max(layout.width, 400), height: Math.max(layout.height + 30, 200) });
  root.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#57606a' }))));
  for (const edge of graph.edges) root.append(drawEdge(edge, layout.edges.get(edge.id)));
  for (const node of graph.nodes) root.append(drawNode(node, layout.nodes.get(node.id), graph));
  const legend = el('p', { class: 'legend' },
    ...['Healthy', 'Degraded', 'Failure', 'NoTraffic'].map((state) => el('span', {}, el('span', { class: `dot ${state}` }), state === 'NoTraffic' ? 'no traffic' : state)),
    el('span', {}, `window ${graph.windowSeconds} s · route edges: declared / observed weight · badges: ${Object.entries(BADGE_SYMBOLS).map(([kind, symbol]) => `${symbol} ${kind}`).join(', ')} · padlock: mutual TLS`));
  container.replaceChildren(legend, graph.nodes.length === 0 ? el('p', { class: 'empty' }, 'no services in the accepted config yet') : root);
}
