/** A Kubernetes object as synthesized or read from the API: only the fields the graph reads. */
export interface ManifestObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: { readonly [key: string]: string };
    readonly annotations?: { readonly [key: string]: string };
  };
  readonly spec?: any;
}

/** The namespace of an object; Kubernetes puts an object without one into `default`. */
export function namespaceOf(object: ManifestObject): string {
  return object.metadata?.namespace ?? 'default';
}

export function nameOf(object: ManifestObject): string {
  return object.metadata?.name ?? '';
}

/** `<namespace>/<name>`. */
export function qualifiedName(object: ManifestObject): string {
  return `${namespaceOf(object)}/${nameOf(object)}`;
}

/** True when every label of `selector` is among `labels` (an empty selector selects everything). */
export function selects(selector: { readonly [key: string]: string } | undefined, labels: { readonly [key: string]: string }): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}

/** Stable order for ids and names: plain code-unit comparison, independent of the locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Objects of `kind` (any Istio API version), sorted by namespace and name. */
export function objectsOfKind(objects: readonly ManifestObject[], kind: string): ManifestObject[] {
  return objects.filter(object => object.kind === kind).sort((a, b) => compareText(qualifiedName(a), qualifiedName(b)));
}
