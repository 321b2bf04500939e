import { isPlainObject } from './field-path';
import { CrdVersionSchema, KubernetesSchema } from './kubernetes-schema';
import { ValidationIssue } from './validation-issue';

interface CrdVersionEntry {
  readonly name: string;
  readonly served: boolean;
  readonly schema?: KubernetesSchema;
}

interface CrdEntry {
  readonly group: string;
  readonly kind: string;
  readonly versions: readonly CrdVersionEntry[];
}

export type CrdLookup =
  | { readonly found: true; readonly crdVersion: CrdVersionSchema }
  | { readonly found: false; readonly issue: ValidationIssue };

/** Finds the CRD version an object's `apiVersion` and `kind` select, as the API server's discovery would. */
export class CrdCatalog {
  private readonly crdsByGroupAndKind = new Map<string, CrdEntry>();

  constructor(crdDocuments: readonly object[]) {
    crdDocuments.forEach((document, index) => {
      const crd = readCrd(document, index);
      if (crd) {
        this.crdsByGroupAndKind.set(groupKindKey(crd.group, crd.kind), crd);
      }
    });
  }

  lookup(apiVersion: unknown, kind: unknown): CrdLookup {
    if (typeof apiVersion !== 'string' || !apiVersion.includes('/')) {
      return notFound('apiVersion', `must be "<group>/<version>" for an Istio object, got ${JSON.stringify(apiVersion)}`);
    }
    if (typeof kind !== 'string' || kind === '') {
      return notFound('kind', `must be a non-empty string, got ${JSON.stringify(kind)}`);
    }
    const [group, version] = apiVersion.split('/', 2);
    const crd = this.crdsByGroupAndKind.get(groupKindKey(group, kind));
    if (!crd) {
      const kindsInGroup = this.kindsOf(group);
      const hint = kindsInGroup.length > 0
        ? `kinds in ${group}: ${kindsInGroup.join(', ')}`
        : `known groups: ${this.groups().join(', ')}`;
      return notFound('kind', `no CustomResourceDefinition for kind "${kind}" in group "${group}" (${hint})`);
    }
    const crdVersion = crd.versions.find((candidate) => candidate.name === version);
    const servedVersions = crd.versions.filter((candidate) => candidate.served).map((candidate) => candidate.name);
    if (!crdVersion) {
      return notFound('apiVersion', `${kind} has no version "${version}" in group "${group}" (served versions: ${servedVersions.join(', ')})`);
    }
    if (!crdVersion.served) {
      return notFound('apiVersion', `${group}/${version} ${kind} is not served by the CRD (use one of: ${servedVersions.map((name) => `${group}/${name}`).join(', ')})`);
    }
    if (!crdVersion.schema) {
      return notFound('apiVersion', `${group}/${version} ${kind} has no openAPIV3Schema in its CRD`);
    }
    return { found: true, crdVersion: { group, kind, version, schema: crdVersion.schema } };
  }

  private kindsOf(group: string): string[] {
    return [...this.crdsByGroupAndKind.values()].filter((crd) => crd.group === group).map((crd) => crd.kind).sort();
  }

  private groups(): string[] {
    return [...new Set([...this.crdsByGroupAndKind.values()].map((crd) => crd.group))].sort();
  }
}

function notFound(path: string, message: string): CrdLookup {
  return { found: false, issue: { path, message } };
}

function groupKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/** Reads a CRD document; other documents (a stray Namespace in a multi-document file) are skipped. */
function readCrd(document: object, index: number): CrdEntry | undefined {
  const crd = document as { kind?: unknown; spec?: unknown };
  if (crd.kind !== 'CustomResourceDefinition') {
    return undefined;
  }
  const spec = crd.spec;
  if (!isPlainObject(spec) || typeof spec.group !== 'string' || !isPlainObject(spec.names)
    || typeof spec.names.kind !== 'string' || !Array.isArray(spec.versions)) {
    throw new Error(`CRD document #${index} has no spec.group, spec.names.kind or spec.versions; pass CustomResourceDefinition objects as parsed from the CRD YAML`);
  }
  const versions = spec.versions.filter(isPlainObject).map((version): CrdVersionEntry => ({
    name: String(version.name),
    served: version.served === true,
    schema: isPlainObject(version.schema) ? version.schema.openAPIV3Schema as KubernetesSchema | undefined : undefined,
  }));
  return { group: spec.group, kind: spec.names.kind, versions };
}
