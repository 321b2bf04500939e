/**
 * Renders the TypeScript shapes of the Istio API objects the mesh reads and writes from Istio's
 * own CRDs (imports/istio/crd-all.gen.yaml), so the spec types both packages use have one source:
 * the schema the API server validates against. Each kind's storage version is rendered as the
 * JSON an object holds (Istio's field names, string unions for enums), not as the construct
 * classes `cdk8s import` generates. Validation-only parts of the schema (oneOf/anyOf, CEL rules,
 * bounds) do not change the shape and are left to the schema validator.
 */
import { parseAllDocuments } from 'yaml';

/** The kinds rendered, by API group; `<Kind>Spec` is exported for each. */
export const RENDERED_KINDS: Readonly<Record<string, readonly string[]>> = {
  'networking.istio.io': ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'WorkloadEntry', 'WorkloadGroup'],
  'security.istio.io': ['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication'],
};

interface Schema {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Record<string, Schema>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly additionalProperties?: Schema | boolean;
  readonly enum?: readonly unknown[];
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
}

interface CustomResourceDefinition {
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: readonly { readonly name: string; readonly storage?: boolean; readonly schema?: { readonly openAPIV3Schema?: Schema } }[];
  };
}

/** The generated module's full text for the CRDs in `crdYaml`. */
export function renderIstioApi(crdYaml: string, sourceName: string): string {
  const definitions = parseAllDocuments(crdYaml).map((document) => document.toJS() as CustomResourceDefinition | null)
    .filter((definition): definition is CustomResourceDefinition => definition?.spec?.names?.kind !== undefined);
  const blocks: string[] = [];
  for (const [group, kinds] of Object.entries(RENDERED_KINDS)) {
    for (const kind of kinds) {
      const definition = definitions.find((candidate) => candidate.spec.group === group && candidate.spec.names.kind === kind);
      if (!definition) throw new Error(`${sourceName} has no CustomResourceDefinition for ${group}/${kind}: update RENDERED_KINDS or the CRDs`);
      const version = definition.spec.versions.find((candidate) => candidate.storage) ?? definition.spec.versions[0];
      const spec = version.schema?.openAPIV3Schema?.properties?.spec;
      if (!spec) throw new Error(`${sourceName}: ${group}/${kind} ${version.name} has no spec schema`);
      blocks.push(`${docComment(spec.description ?? `${kind} spec.`, '', `${group}/${version.name} ${kind}`)}export interface ${kind}Spec ${renderObject(spec, '')}\n`);
    }
  }
  return [
    `// Generated from ${sourceName} by scripts/istio-api/generate-istio-api.ts (npx projen generate:istio-api).`,
    '// Do not edit: change the CRDs and generate again; a test fails when this file is out of date.',
    '/* eslint-disable max-len */',
    '',
    blocks.join('\n'),
  ].join('\n');
}

function renderType(schema: Schema, indent: string): string {
  if (schema['x-kubernetes-int-or-string']) return 'number | string';
  if (schema.enum) return schema.enum.map((value) => `'${String(value).replace(/['\\]/g, '\\$&')}'`).join(' | ');
  switch (schema.type) {
    case 'string': return 'string';
    case 'integer':
    case 'number': return 'number';
    case 'boolean': return 'boolean';
    case 'array': return arrayOf(schema.items ? renderType(schema.items, indent) : 'unknown');
    case 'object':
    case undefined:
      return renderObject(schema, indent);
    default: throw new Error(`unsupported schema type '${schema.type}'`);
  }
}

function renderObject(schema: Schema, indent: string): string {
  const properties = Object.entries(schema.properties ?? {});
  const values = typeof schema.additionalProperties === 'object' ? renderType(schema.additionalProperties, indent) : undefined;
  if (properties.length === 0) {
    if (values) return `Record<string, ${values}>`;
    return 'Record<string, unknown>';
  }
  const inner = `${indent}  `;
  const required = new Set(schema.required ?? []);
  const lines = properties.map(([name, property]) => {
    const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
    return `${docComment(property.description, inner)}${inner}${key}${required.has(name) ? '' : '?'}: ${renderType(property, inner)};`;
  });
  if (values) lines.push(`${inner}[key: string]: ${values} | undefined;`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function arrayOf(type: string): string {
  return /^[A-Za-z<>, ]+$/.test(type) && !type.includes(' | ') ? `${type}[]` : `Array<${type}>`;
}

/** The description's first sentence (Istio's run to paragraphs), as a one-line doc comment. */
function docComment(description: string | undefined, indent: string, suffix?: string): string {
  if (!description && !suffix) return '';
  const sentence = (description ?? '').split(/(?<=\.)\s/)[0].replace(/\s+/g, ' ').replace(/\*\//g, '*\\/').trim();
  const text = [sentence, suffix ? `(${suffix})` : ''].filter(Boolean).join(' ');
  return `${indent}/** ${text} */\n`;
}
