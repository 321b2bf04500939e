import {
  BUNDLE_LABEL_CHARACTERS, DiagramLayout, EdgeBundle, groupBy, INNER_LABEL_CHARACTERS, LAYOUT, layoutDiagram, Rect, ServiceLayout, TextLine,
} from './diagram-layout';
import { coordinate as c, escapeXml, fitText } from './diagram-text';
import { DeclaredEdge, DeclaredEdgeKind, DeclaredGraph, formatPercent } from '../model/declared-graph';

/** What the page says about the mesh it shows. */
export interface DiagramPage {
  /** e.g. `Mesh mesh-system`. */
  readonly title: string;
  /** One sentence under the title: where the picture comes from. */
  readonly subtitle: string;
}

const EDGE_COLORS: Record<DeclaredEdgeKind, string> = {
  route: '#1f6feb',
  mirror: '#8250df',
  dependency: '#6e7781',
  allow: '#1a7f37',
  deny: '#cf222e',
};

const STYLE = `
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; margin: 24px; color: #1f2328; background: #ffffff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
p.subtitle { margin: 0 0 12px; color: #59636e; font-size: 13px; }
svg text { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; font-size: 11px; fill: #1f2328; }
svg .column-title { font-size: 13px; font-weight: bold; fill: #59636e; }
svg .box { fill: #f6f8fa; stroke: #8c959f; stroke-width: 1.2; }
svg .gateway .box { fill: #ddf4ff; stroke: #0969da; }
svg .external .box { fill: #fff8c5; stroke: #9a6700; }
svg .undeclared .box { fill: #ffebe9; stroke: #cf222e; stroke-dasharray: 5 3; }
svg .strict > .box { stroke: #1a7f37; stroke-width: 2; }
svg .version .box { fill: #ffffff; stroke: #57606a; }
svg .version.no-workload .box { stroke: #cf222e; stroke-dasharray: 4 2; }
svg .line-title { font-size: 14px; font-weight: bold; }
svg .line-detail, svg .line-note { fill: #59636e; }
svg .line-note { font-style: italic; }
svg .line-fault, svg .label-fault { fill: #cf222e; font-weight: bold; }
svg .line-allow, svg .label-allow { fill: #1a7f37; }
svg .line-deny, svg .label-deny { fill: #cf222e; }
svg .label-route, svg .line-route { fill: #0b4fbf; font-weight: bold; }
svg .label-mirror { fill: #8250df; font-weight: bold; }
svg .label-dependency, svg .label-detail { fill: #59636e; }
svg .label { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
svg .edge { fill: none; stroke-width: 1.8; }
svg .edge-mirror, svg .edge-deny { stroke-dasharray: 6 4; }
svg .edge-dependency { stroke-width: 1.2; }
svg .hub { fill: #57606a; }
svg .lock rect { fill: #1a7f37; }
svg .lock path { fill: none; stroke: #1a7f37; stroke-width: 1.8; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
`;

function attributes(values: Record<string, string | undefined>): string {
  return Object.entries(values).filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(value!)}"`).join('');
}

function title(text: string): string {
  return `<title>${escapeXml(text)}</title>`;
}

/** A padlock, 12 × 16, its top left at (x, y): the mark of a port that accepts only mutual TLS. */
function lock(x: number, y: number, id: string, tooltip: string): string {
  return `<g class="lock" id="${escapeXml(id)}" transform="translate(${c(x)},${c(y)})">${title(tooltip)}`
    + '<path d="M2.5 7 V4.5 a3.5 3.5 0 0 1 7 0 V7"/><rect x="0" y="7" width="12" height="9" rx="1.5"/></g>';
}

function rect(box: Rect, rounding: number): string {
  return `<rect class="box" x="${c(box.x)}" y="${c(box.y)}" width="${c(box.width)}" height="${c(box.height)}" rx="${rounding}"/>`;
}

function boxText(box: Rect, lines: readonly TextLine[], maxCharacters: number): string {
  let y = box.y + LAYOUT.padding + 14;
  return lines.map((line, index) => {
    const text = fitText(line.text, maxCharacters);
    const element = `<text class="line-${line.style}" x="${c(box.x + LAYOUT.padding)}" y="${c(y)}">${escapeXml(text)}`
      + `${text === line.text ? '' : title(line.text)}</text>`;
    y += index === 0 ? LAYOUT.titleHeight : LAYOUT.lineHeight;
    return element;
  }).join('');
}

function characters(width: number): number {
  return Math.floor((width - 2 * LAYOUT.padding) / 6.4);
}

function curve(start: { x: number; y: number }, end: { x: number; y: number }): string {
  const forward = end.x - start.x;
  const reach = forward > 40 ? Math.max(forward / 2, 40) : 120;
  return `M${c(start.x)} ${c(start.y)} C${c(start.x + reach)} ${c(start.y)} ${c(end.x - reach)} ${c(end.y)} ${c(end.x)} ${c(end.y)}`;
}

function edgeTooltip(edge: DeclaredEdge): string {
  const weight = edge.weight === undefined ? '' : ` ${formatPercent(edge.weight)}`;
  return `${edge.kind}${weight}: ${edge.from} → ${edge.to}${edge.match ? ` if ${edge.match}` : ''}`
    + `${edge.fault ? `; fault ${edge.fault}` : ''}${edge.source ? ` (declared by ${edge.source})` : ' (no VirtualService: Kubernetes balances over every version)'}`;
}

function edgePath(edge: DeclaredEdge, d: string): string {
  return `<path${attributes({
    'id': `edge:${edge.id}`,
    'class': `edge edge-${edge.kind}`,
    'd': d,
    'stroke': EDGE_COLORS[edge.kind],
    'marker-end': `url(#arrow-${edge.kind})`,
    'data-kind': edge.kind,
    'data-from': edge.from,
    'data-to': edge.to,
    'data-weight': edge.weight === undefined ? undefined : `${edge.weight}`,
  })}>${title(edgeTooltip(edge))}</path>`;
}

/** Lines of a label whose last baseline is at `bottomY`, so the label sits above the edge it names. */
function labelLines(lines: readonly TextLine[], x: number, bottomY: number, anchor: 'middle' | 'end', maxCharacters: number, edgeId: string): string {
  const firstY = bottomY - (lines.length - 1) * LAYOUT.labelLineHeight;
  return lines.map((line, index) => {
    const text = fitText(line.text, maxCharacters);
    return `<text${attributes({ 'class': `label label-${line.style}`, 'x': c(x), 'y': c(firstY + index * LAYOUT.labelLineHeight), 'text-anchor': anchor, 'data-edge': edgeId })}>`
      + `${escapeXml(text)}${text === line.text ? '' : title(line.text)}</text>`;
  }).join('');
}

function bundle(edgeBundle: EdgeBundle): string {
  const count = edgeBundle.edges.length;
  const paths = edgeBundle.edges.map((edge, index) => {
    const offset = (index - (count - 1) / 2) * 5;
    return edgePath(edge, curve({ x: edgeBundle.start.x, y: edgeBundle.start.y + offset }, { x: edgeBundle.end.x, y: edgeBundle.end.y + offset }));
  }).join('');
  const labels = labelLines(edgeBundle.labels, (edgeBundle.start.x + edgeBundle.end.x) / 2, (edgeBundle.start.y + edgeBundle.end.y) / 2 - 8,
    'middle', BUNDLE_LABEL_CHARACTERS, `${edgeBundle.from}->${edgeBundle.to}`);
  const locked = edgeBundle.strictTarget
    ? lock(edgeBundle.end.x - 22, edgeBundle.end.y + 6, `lock:${edgeBundle.from}->${edgeBundle.to}`, 'the destination accepts mutual TLS only (STRICT)')
    : '';
  return `<g class="bundle">${paths}${labels}${locked}</g>`;
}

function service(layout: ServiceLayout, innerEdgesByVersion: ReadonlyMap<string, readonly DeclaredEdge[]>): string {
  const { service: declared } = layout;
  const classes = ['node', 'service', declared.mtlsMode === 'STRICT' ? 'strict' : '', declared.declared ? '' : 'undeclared'].filter(Boolean).join(' ');
  const locked = declared.mtlsMode === 'STRICT'
    ? lock(layout.x + layout.width - 24, layout.y + 10, `lock:${declared.id}`, `mTLS STRICT (${declared.mtlsSource || 'mesh default'})`)
    : '';
  const versions = layout.versions.map(version => {
    const edges = innerEdgesByVersion.get(version.version.id) ?? [];
    const centerY = version.y + version.height / 2;
    // Down the service's bus from the hub, then straight into the version.
    const paths = edges.map((edge, index) => {
      const y = centerY + (index - (edges.length - 1) / 2) * 4;
      return edgePath(edge, `M${c(layout.hub.x)} ${c(layout.hub.y)} V${c(y)} H${c(version.x)}`);
    }).join('');
    const labels = labelLines(version.labels, version.x - 8, centerY - 6, 'end', INNER_LABEL_CHARACTERS, version.version.id);
    const workloads = version.version.workloads.length === 0 ? 'no workload' : version.version.workloads.join(', ');
    return `${paths}${labels}<g${attributes({ id: version.version.id, class: `node version${version.version.workloads.length === 0 ? ' no-workload' : ''}` })}>`
      + `${title(`${declared.name} ${version.version.name}: ${workloads}`)}${rect(version, 4)}`
      + `<text x="${c(version.x + version.width / 2)}" y="${c(centerY + 4)}" text-anchor="middle" class="line-title">${escapeXml(fitText(version.version.name, 12))}</text></g>`;
  }).join('');
  const hub = layout.versions.length > 0 ? `<circle class="hub" cx="${c(layout.hub.x)}" cy="${c(layout.hub.y)}" r="4"/>` : '';
  return `<g${attributes({ 'id': declared.id, 'class': classes, 'data-mtls': declared.mtlsMode, 'data-host': declared.host })}>`
    + `${title(declared.host)}${rect(layout, 8)}${boxText(layout, layout.lines, characters(layout.width) - 3)}${locked}${hub}${versions}</g>`;
}

function markers(): string {
  return Object.entries(EDGE_COLORS).map(([kind, color]) =>
    `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">`
    + `<path d="M0 0 L10 5 L0 10 z" fill="${color}"/></marker>`).join('');
}

const LEGEND: { kind: DeclaredEdgeKind; text: string }[] = [
  { kind: 'route', text: 'route with its declared weight (balanced: no weight, spread over the endpoints)' },
  { kind: 'mirror', text: 'mirror (copy of requests)' },
  { kind: 'dependency', text: 'declared dependency (calls)' },
  { kind: 'allow', text: 'authorization: allowed caller' },
  { kind: 'deny', text: 'authorization: denied caller' },
];

function legend(top: number): string {
  const entries = LEGEND.map((entry, index) => {
    const y = top + 24 + index * 20;
    return `<path class="edge edge-${entry.kind}" d="M${LAYOUT.margin} ${y} H${LAYOUT.margin + 50}" stroke="${EDGE_COLORS[entry.kind]}" marker-end="url(#arrow-${entry.kind})"/>`
      + `<text x="${LAYOUT.margin + 60}" y="${y + 4}">${escapeXml(entry.text)}</text>`;
  });
  const second = LAYOUT.margin + 540;
  const marks = [
    `${lock(second, top + 12, 'legend:lock', 'mTLS STRICT')}<text x="${second + 20}" y="${top + 24}">mTLS STRICT: plaintext callers are refused</text>`,
    `<text class="line-fault" x="${second}" y="${top + 48}">FAULT abort 503 · 50 %</text><text x="${second + 160}" y="${top + 48}">injected fault on a route</text>`,
    `<rect class="box" x="${second}" y="${top + 58}" width="40" height="16" rx="4" style="stroke:#cf222e;stroke-dasharray:4 2"/><text x="${second + 50}" y="${top + 70}">version a subset names but no workload runs</text>`,
    `<g class="undeclared"><rect class="box" x="${second}" y="${top + 80}" width="40" height="16" rx="4"/></g><text x="${second + 50}" y="${top + 92}">host routed to with no Service or ServiceEntry</text>`,
  ];
  return `<g id="legend"><text class="column-title" x="${LAYOUT.margin}" y="${top + 4}">Legend</text>${entries.join('')}${marks.join('')}</g>`;
}

function svg(graph: DeclaredGraph, layout: DiagramLayout, caption: string): string {
  const legendTop = layout.bottom + 8;
  const innerEdgesByVersion = groupBy(layout.innerEdges, edge => edge.to);
  const height = legendTop + 130;
  const width = Math.max(layout.width, 760);
  const columns = layout.columns.map(column =>
    `<text class="column-title" x="${c(column.x)}" y="${LAYOUT.top + 10}">${escapeXml(column.title)}</text>`).join('');
  const empty = graph.services.length + graph.gateways.length + graph.externalServices.length === 0
    ? `<text class="line-note" x="${LAYOUT.margin}" y="${LAYOUT.top + 40}">The mesh declares no services, gateways or external services yet.</text>`
    : '';
  const gateways = layout.gateways.map(gateway => `<g${attributes({ id: gateway.gateway.id, class: 'node gateway' })}>`
    + `${title(`Gateway ${gateway.gateway.namespace}/${gateway.gateway.name}`)}${rect(gateway, 8)}${boxText(gateway, gateway.lines, characters(gateway.width))}</g>`).join('');
  const externals = layout.externals.map(external => `<g${attributes({ id: external.external.id, class: 'node external' })}>`
    + `${title(`ServiceEntry ${external.external.namespace}/${external.external.name}`)}${rect(external, 8)}${boxText(external, external.lines, characters(external.width))}</g>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${c(width)}" height="${c(height)}" viewBox="0 0 ${c(width)} ${c(height)}" role="img" aria-label="${escapeXml(caption)}">`
    + `<defs>${markers()}</defs>${columns}${empty}${layout.bundles.map(bundle).join('')}${gateways}`
    + `${layout.services.map(box => service(box, innerEdgesByVersion)).join('')}${externals}${legend(legendTop)}</svg>`;
}

function edgeTable(graph: DeclaredGraph): string {
  if (graph.edges.length === 0) {
    return '';
  }
  const rows = graph.edges.map(edge => `<tr><td>${escapeXml(edge.kind)}</td><td>${escapeXml(edge.from)}</td><td>${escapeXml(edge.to)}</td>`
    + `<td>${edge.weight === undefined ? '' : escapeXml(formatPercent(edge.weight))}</td><td>${escapeXml(edge.match)}</td>`
    + `<td>${escapeXml(edge.fault)}</td><td>${escapeXml(edge.source)}</td></tr>`).join('\n');
  return '<h2>Every declared edge</h2>\n<table><thead><tr><th>kind</th><th>from</th><th>to</th><th>weight</th><th>match</th><th>fault</th><th>declared by</th></tr></thead>\n'
    + `<tbody>\n${rows}\n</tbody></table>\n`;
}

/**
 * The page for one mesh: one self-contained HTML file (inline CSS and SVG, no scripts, no external
 * references), byte-identical for equal graphs.
 */
export function renderDiagramHtml(graph: DeclaredGraph, page: DiagramPage): string {
  const layout = layoutDiagram(graph);
  return '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    + `<title>${escapeXml(page.title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n`
    + `<h1>${escapeXml(page.title)}</h1>\n<p class="subtitle">${escapeXml(page.subtitle)}</p>\n`
    + `${svg(graph, layout, page.title)}\n${edgeTable(graph)}</body>\n</html>\n`;
}
