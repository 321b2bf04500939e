import {
  compareText, DeclaredEdge, DeclaredExternalService, DeclaredGateway, DeclaredGraph, DeclaredService, DeclaredVersion, formatPercent,
} from '../model/declared-graph';

/**
 * A deterministic layered layout of the declared graph: gateways on the left, then services in
 * layers by how deep they sit in the call and routing chain, then external services; boxes in a
 * column sorted by id. Plain numbers only, so equal graphs give equal pictures.
 */

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One line of a box or label, with its style. */
export interface TextLine {
  readonly text: string;
  readonly style: 'title' | 'detail' | 'fault' | 'mirror' | 'allow' | 'deny' | 'route' | 'dependency' | 'note';
}

export interface VersionLayout extends Rect {
  readonly version: DeclaredVersion;
  /** Labels of the edges from the service hub into this version (weight, match, mirror, fault). */
  readonly labels: readonly TextLine[];
}

export interface ServiceLayout extends Rect {
  readonly service: DeclaredService;
  readonly lines: readonly TextLine[];
  /** Where edges from the service to its own versions start. */
  readonly hub: { readonly x: number; readonly y: number };
  readonly versions: readonly VersionLayout[];
}

export interface GatewayLayout extends Rect {
  readonly gateway: DeclaredGateway;
  readonly lines: readonly TextLine[];
}

export interface ExternalLayout extends Rect {
  readonly external: DeclaredExternalService;
  readonly lines: readonly TextLine[];
}

/** Edges between two boxes (or a box and a version in another box), drawn as one bundle. */
export interface EdgeBundle {
  readonly from: string;
  readonly to: string;
  readonly edges: readonly DeclaredEdge[];
  readonly start: { readonly x: number; readonly y: number };
  readonly end: { readonly x: number; readonly y: number };
  readonly labels: readonly TextLine[];
  /** The target accepts only mutual TLS. */
  readonly strictTarget: boolean;
}

export interface Column {
  readonly title: string;
  readonly x: number;
  readonly width: number;
}

export interface DiagramLayout {
  readonly width: number;
  readonly height: number;
  readonly columns: readonly Column[];
  readonly gateways: readonly GatewayLayout[];
  readonly services: readonly ServiceLayout[];
  readonly externals: readonly ExternalLayout[];
  /** Edges from a service to its own versions, drawn inside the service's box. */
  readonly innerEdges: readonly DeclaredEdge[];
  readonly bundles: readonly EdgeBundle[];
  /** Top of the area below the columns. */
  readonly bottom: number;
}

export const LAYOUT = {
  margin: 24,
  top: 40,
  columnGap: 220,
  boxGap: 28,
  lineHeight: 16,
  titleHeight: 22,
  padding: 10,
  gatewayWidth: 250,
  serviceWidth: 380,
  externalWidth: 270,
  versionWidth: 100,
  versionRowHeight: 34,
  labelLineHeight: 14,
} as const;

/** Maximum label length that fits between two columns, and inside a service box. */
export const BUNDLE_LABEL_CHARACTERS = 32;
export const INNER_LABEL_CHARACTERS = 32;

function boxLines(title: string, details: readonly TextLine[]): TextLine[] {
  return [{ text: title, style: 'title' }, ...details];
}

function linesHeight(lines: readonly TextLine[]): number {
  return LAYOUT.padding * 2 + LAYOUT.titleHeight + (lines.length - 1) * LAYOUT.lineHeight;
}

export function weightText(edge: DeclaredEdge): string {
  return edge.weight === undefined ? 'balanced' : formatPercent(edge.weight);
}

/** One line per edge inside a service's box, where the row is narrow: `90 % if header end-user=jason`, then its fault. */
export function innerEdgeLabels(edge: DeclaredEdge): TextLine[] {
  const condition = edge.match ? ` if ${edge.match}` : '';
  const head: TextLine = edge.kind === 'mirror'
    ? { text: `mirror ${weightText(edge)}${condition}`, style: 'mirror' }
    : { text: `${weightText(edge)}${condition}`, style: 'route' };
  return [head, ...(edge.fault ? [{ text: `fault ${edge.fault}`, style: 'fault' as const }] : [])];
}

/** The label lines of an edge: what it is (weight, mirror, calls, allow, deny), then its match and fault. */
export function edgeLabels(edge: DeclaredEdge): TextLine[] {
  const condition: TextLine[] = edge.match ? [{ text: `if ${edge.match}`, style: 'detail' }] : [];
  const policy = edge.source.split('#')[0];
  switch (edge.kind) {
    case 'route':
      return [
        { text: weightText(edge), style: 'route' },
        ...condition,
        ...(edge.fault ? [{ text: `fault ${edge.fault}`, style: 'fault' as const }] : []),
      ];
    case 'mirror':
      return [{ text: `mirror ${weightText(edge)}`, style: 'mirror' }, ...condition];
    case 'dependency':
      return [{ text: 'calls', style: 'dependency' }];
    case 'allow':
      return [{ text: `allow (${policy})`, style: 'allow' }, ...(edge.match ? [{ text: `to ${edge.match}`, style: 'allow' as const }] : [])];
    case 'deny':
      return [{ text: `deny (${policy})`, style: 'deny' }, ...(edge.match ? [{ text: `to ${edge.match}`, style: 'deny' as const }] : [])];
  }
}

function serviceDetails(service: DeclaredService): TextLine[] {
  if (!service.declared) {
    return [{ text: 'no Service or ServiceEntry declares this host', style: 'fault' }];
  }
  const mtls = `mTLS ${service.mtlsMode}${service.mtlsSource ? ` (${service.mtlsSource})` : ' (mesh default)'}`;
  return [
    { text: [service.namespace, ...service.ports].join(' · '), style: 'detail' },
    { text: mtls, style: 'detail' },
    ...service.virtualServices.map(name => ({ text: `VirtualService ${name}`, style: 'note' as const })),
    ...(service.rollout ? [{ text: `CANARY ${service.rollout}`, style: 'route' as const }] : []),
    ...service.faults.flatMap(fault => [
      { text: `FAULT ${fault.summary}${fault.match ? ` if ${fault.match}` : ''}`, style: 'fault' as const },
      ...(fault.window ? [{ text: `  in effect ${fault.window}`, style: 'fault' as const }] : []),
    ]),
    ...service.authorizationRules.map(rule => ({
      text: `${rule.action} from ${rule.from}${rule.to ? ` to ${rule.to}` : ''} (${rule.policy})`,
      style: rule.action === 'DENY' ? 'deny' as const : 'allow' as const,
    })),
  ];
}

/** Version id → id of the service it belongs to. */
function versionOwners(services: readonly DeclaredService[]): Map<string, string> {
  return new Map(services.flatMap(service => service.versions.map(version => [version.id, service.id] as const)));
}

/**
 * Layer of each service: the longest chain of routes, mirrors and calls leading to it. Edges that
 * close a cycle (found by a depth-first walk in id order) are left out, so every cycle gets a
 * deterministic first member.
 */
function serviceLayers(services: readonly DeclaredService[], edges: readonly DeclaredEdge[]): Map<string, number> {
  const ids = new Set(services.map(service => service.id));
  const owners = versionOwners(services);
  const serviceOf = (id: string) => ids.has(id) ? id : owners.get(id);
  const successors = new Map<string, Set<string>>();
  for (const edge of edges) {
    const from = serviceOf(edge.from);
    const to = serviceOf(edge.to);
    if ((edge.kind === 'route' || edge.kind === 'dependency' || edge.kind === 'mirror') && from && to && from !== to) {
      successors.set(from, (successors.get(from) ?? new Set()).add(to));
    }
  }
  const sortedIds = [...ids].sort(compareText);
  const state = new Map<string, 'open' | 'done'>();
  const postOrder: string[] = [];
  const forward = new Map<string, string[]>();
  const visit = (id: string) => {
    state.set(id, 'open');
    for (const next of [...(successors.get(id) ?? [])].sort(compareText)) {
      if (state.get(next) === 'open') {
        continue;
      }
      forward.set(id, [...(forward.get(id) ?? []), next]);
      if (!state.has(next)) {
        visit(next);
      }
    }
    state.set(id, 'done');
    postOrder.push(id);
  };
  for (const id of sortedIds) {
    if (!state.has(id)) {
      visit(id);
    }
  }
  const layer = new Map(sortedIds.map(id => [id, 0]));
  for (const id of postOrder.reverse()) {
    for (const next of forward.get(id) ?? []) {
      layer.set(next, Math.max(layer.get(next)!, layer.get(id)! + 1));
    }
  }
  return layer;
}

/** Items grouped by key, each group in input order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) {
      group.push(item);
    } else {
      groups.set(key(item), [item]);
    }
  }
  return groups;
}

/** Lays out `graph` in columns that read left to right, from the mesh's entry to its exits. */
export function layoutDiagram(graph: DeclaredGraph): DiagramLayout {
  const columns: Column[] = [];
  let x = LAYOUT.margin;
  const addColumn = (title: string, width: number) => {
    const column = { title, x, width };
    columns.push(column);
    x += width + LAYOUT.columnGap;
    return column;
  };
  const top = LAYOUT.top + 28;
  let bottom = top;
  const stack = <T extends { id: string }, L extends Rect>(items: readonly T[], place: (item: T, y: number) => L): L[] => {
    let y = top;
    return [...items].sort((a, b) => compareText(a.id, b.id)).map(item => {
      const placed = place(item, y);
      y += placed.height + LAYOUT.boxGap;
      bottom = Math.max(bottom, y);
      return placed;
    });
  };

  const gatewayColumn = graph.gateways.length > 0 ? addColumn('Gateways', LAYOUT.gatewayWidth) : undefined;
  const gateways = gatewayColumn ? stack(graph.gateways, (gateway, y) => {
    const lines = boxLines(gateway.name, [
      { text: gateway.namespace, style: 'detail' },
      ...gateway.servers.map(server => ({ text: server, style: 'detail' as const })),
    ]);
    return { gateway, lines, x: gatewayColumn.x, y, width: LAYOUT.gatewayWidth, height: linesHeight(lines) };
  }) : [];

  const layers = serviceLayers(graph.services, graph.edges);
  const layerCount = graph.services.length === 0 ? 0 : Math.max(...layers.values()) + 1;
  const owners = versionOwners(graph.services);
  const innerEdges = graph.edges.filter(edge => owners.get(edge.to) === edge.from);
  const innerEdgesByVersion = groupBy(innerEdges, edge => edge.to);
  const services: ServiceLayout[] = [];
  for (let index = 0; index < layerCount; index++) {
    const column = addColumn(layerCount > 1 ? `Services (tier ${index + 1})` : 'Services', LAYOUT.serviceWidth);
    services.push(...stack(graph.services.filter(service => layers.get(service.id) === index), (service, y) => {
      const lines = boxLines(service.name, serviceDetails(service));
      const headerHeight = linesHeight(lines);
      let versionY = y + headerHeight;
      const versions = service.versions.map(version => {
        const labels = (innerEdgesByVersion.get(version.id) ?? []).flatMap(innerEdgeLabels);
        // Labels stack above the edge's horizontal run into the version, so the row grows with them.
        const height = Math.max(LAYOUT.versionRowHeight, labels.length * LAYOUT.labelLineHeight + 22);
        const placed = {
          version,
          labels,
          x: column.x + LAYOUT.serviceWidth - LAYOUT.versionWidth - LAYOUT.padding,
          y: versionY + height - 30,
          width: LAYOUT.versionWidth,
          height: 26,
        };
        versionY += height;
        return placed;
      });
      const height = versionY - y + (versions.length > 0 ? LAYOUT.padding : 0);
      const hubY = y + headerHeight;
      return { service, lines, x: column.x, y, width: LAYOUT.serviceWidth, height, hub: { x: column.x + 22, y: hubY }, versions };
    }));
  }

  const externalColumn = graph.externalServices.length > 0 ? addColumn('External services', LAYOUT.externalWidth) : undefined;
  const externals = externalColumn ? stack(graph.externalServices, (external, y) => {
    const lines = boxLines(external.name, [
      { text: `${external.namespace} · ${external.location} · ${external.resolution}`, style: 'detail' },
      ...external.hosts.map(name => ({ text: name, style: 'detail' as const })),
      { text: external.ports.join(' · '), style: 'detail' },
    ]);
    return { external, lines, x: externalColumn.x, y, width: LAYOUT.externalWidth, height: linesHeight(lines) };
  }) : [];

  const boxes = new Map<string, Rect>([
    ...gateways.map(box => [box.gateway.id, box] as const),
    ...services.map(box => [box.service.id, box] as const),
    ...services.flatMap(box => box.versions.map(version => [version.version.id, version] as const)),
    ...externals.map(box => [box.external.id, box] as const),
  ]);
  const ownerBoxes = new Map<string, Rect>(services.flatMap(box => box.versions.map(version => [version.version.id, box] as const)));
  const strict = new Set(graph.services.filter(service => service.mtlsMode === 'STRICT').flatMap(service =>
    [service.id, ...service.versions.map(version => version.id)]));
  const inner = new Set(innerEdges.map(edge => edge.id));
  const bundlesByKey = new Map<string, DeclaredEdge[]>();
  for (const edge of graph.edges.filter(candidate => !inner.has(candidate.id) && boxes.has(candidate.from) && boxes.has(candidate.to))) {
    const key = `${edge.from}->${edge.to}`;
    bundlesByKey.set(key, [...(bundlesByKey.get(key) ?? []), edge]);
  }
  const bundles = [...bundlesByKey.keys()].sort(compareText).map(key => {
    const edges = bundlesByKey.get(key)!;
    const from = boxes.get(edges[0].from)!;
    const to = boxes.get(edges[0].to)!;
    // An edge into a version of another service meets that service's box at the version's row.
    const toBox = ownerBoxes.get(edges[0].to) ?? to;
    return {
      from: edges[0].from,
      to: edges[0].to,
      edges,
      start: { x: from.x + from.width, y: from.y + Math.min(from.height / 2, 30) },
      end: { x: toBox.x, y: toBox === to ? to.y + Math.min(to.height / 2, 30) : to.y + to.height / 2 },
      labels: edges.flatMap(edgeLabels),
      strictTarget: strict.has(edges[0].to),
    };
  });

  return {
    width: Math.max(x - LAYOUT.columnGap + LAYOUT.margin, 760),
    height: bottom,
    columns,
    gateways,
    services,
    externals,
    innerEdges,
    bundles,
    bottom,
  };
}
