/** Reads what a person would see in a diagram page: its nodes, edges and label texts. */

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) {
    attributes[match[1]] = unescape(match[2]);
  }
  return attributes;
}

/** The SVG of the page. */
export function svgOf(html: string): string {
  const start = html.indexOf('<svg');
  const end = html.indexOf('</svg>');
  if (start < 0 || end < start) {
    throw new Error('the page holds no <svg> element');
  }
  return html.slice(start, end + '</svg>'.length);
}

/** Ids of the `<g>` elements of `class` (e.g. `service`, `version`, `gateway`, `external`, `lock`). */
export function nodeIds(html: string, cssClass: string): string[] {
  return [...svgOf(html).matchAll(/<g\b[^>]*>/g)].map(match => attributesOf(match[0]))
    .filter(attributes => (attributes.class ?? '').split(' ').includes(cssClass)).map(attributes => attributes.id);
}

/** The attributes of a `<g>` element by id. */
export function nodeAttributes(html: string, id: string): Record<string, string> {
  const found = [...svgOf(html).matchAll(/<g\b[^>]*>/g)].map(match => attributesOf(match[0])).find(attributes => attributes.id === id);
  if (!found) {
    throw new Error(`no node ${id} in the diagram`);
  }
  return found;
}

export interface DrawnEdge {
  readonly id: string;
  readonly kind: string;
  readonly from: string;
  readonly to: string;
  readonly weight?: number;
}

/** Every edge path the diagram draws (the legend's samples have no id and are left out). */
export function drawnEdges(html: string): DrawnEdge[] {
  return [...svgOf(html).matchAll(/<path\b[^>]*>/g)].map(match => attributesOf(match[0]))
    .filter(attributes => attributes.id?.startsWith('edge:'))
    .map(attributes => ({
      id: attributes.id,
      kind: attributes['data-kind'],
      from: attributes['data-from'],
      to: attributes['data-to'],
      ...(attributes['data-weight'] !== undefined ? { weight: Number(attributes['data-weight']) } : {}),
    }));
}

/** Texts of the `<text>` elements, tooltips left out; those labelling `edgeTarget` when it is given. */
export function texts(html: string, edgeTarget?: string): string[] {
  return [...svgOf(html).matchAll(/<text\b([^>]*)>([^<]*)/g)]
    .filter(match => edgeTarget === undefined || attributesOf(match[1])['data-edge'] === edgeTarget)
    .map(match => unescape(match[2]));
}
