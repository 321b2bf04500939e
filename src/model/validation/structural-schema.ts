import { KNOWN_FORMATS } from './kubernetes-formats';
import { KubernetesSchema, preservesUnknownFields } from './kubernetes-schema';

// Translates a Kubernetes structural schema into a JSON schema ajv can compile.
// The translation is where the API server's semantics are encoded:
// - fields not declared by the schema are rejected (the API server would silently prune
//   them, which hides a misspelt field until the mesh misbehaves);
// - `x-kubernetes-int-or-string` accepts an integer or a string;
// - `x-kubernetes-preserve-unknown-fields` keeps an object open;
// - OpenAPI v3 boolean `exclusiveMinimum`/`exclusiveMaximum` become JSON-schema numbers;
// - formats the API server ignores are dropped; descriptions and defaults are not needed.
// CEL rules and list types are checked separately by walking the value (see ./extension-checks).

export type JsonSchema = { [keyword: string]: unknown };

const COPIED_KEYWORDS = [
  'type', 'nullable', 'required', 'enum', 'pattern', 'multipleOf',
  'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties',
] as const;

/** Schema of the whole object: the CRD schema plus the fields every Kubernetes object has. */
export function toObjectJsonSchema(root: KubernetesSchema): JsonSchema {
  const converted = toJsonSchema(root, true);
  return {
    ...converted,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      // Checked by ./object-metadata with Kubernetes' own naming rules.
      metadata: { type: 'object' },
      ...(converted.properties as object | undefined),
    },
  };
}

/**
 * @param structural false inside oneOf/anyOf/allOf/not: those branches only constrain values
 *   of fields the structural part declares, so they must not close objects themselves.
 */
export function toJsonSchema(schema: KubernetesSchema, structural: boolean): JsonSchema {
  const result: JsonSchema = {};
  for (const keyword of COPIED_KEYWORDS) {
    if (schema[keyword] !== undefined) {
      result[keyword] = schema[keyword];
    }
  }
  if (schema.format !== undefined && KNOWN_FORMATS.has(schema.format)) {
    result.format = schema.format;
  }
  convertExclusiveBound(schema, result, 'exclusiveMinimum', 'minimum');
  convertExclusiveBound(schema, result, 'exclusiveMaximum', 'maximum');

  if (schema.properties) {
    result.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, child]) => [name, toJsonSchema(child, structural)]),
    );
  }
  if (schema.items) {
    result.items = toJsonSchema(schema.items, structural);
  }
  if (typeof schema.additionalProperties === 'object') {
    result.additionalProperties = toJsonSchema(schema.additionalProperties, structural);
  } else if (typeof schema.additionalProperties === 'boolean') {
    result.additionalProperties = schema.additionalProperties;
  } else if (structural && isObjectSchema(schema) && !preservesUnknownFields(schema)) {
    result.additionalProperties = false;
  }

  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  if (intOrString) {
    result.type = schema.nullable ? ['integer', 'string', 'null'] : ['integer', 'string'];
    delete result.nullable;
  }
  for (const combinator of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = schema[combinator];
    if (branches && !(intOrString && branches.every(isBareTypeBranch))) {
      result[combinator] = branches.map((branch) => toJsonSchema(branch, false));
    }
  }
  if (schema.not) {
    result.not = toJsonSchema(schema.not, false);
  }
  return result;
}

function isObjectSchema(schema: KubernetesSchema): boolean {
  return schema.type === 'object' || (schema.type === undefined && schema.properties !== undefined);
}

/** The `anyOf: [{type: integer}, {type: string}]` that accompanies int-or-string is replaced by a type union. */
function isBareTypeBranch(branch: KubernetesSchema): boolean {
  return Object.keys(branch).length === 1 && typeof branch.type === 'string';
}

function convertExclusiveBound(
  schema: KubernetesSchema, result: JsonSchema,
  exclusiveKeyword: 'exclusiveMinimum' | 'exclusiveMaximum', boundKeyword: 'minimum' | 'maximum',
): void {
  const exclusive = schema[exclusiveKeyword];
  if (exclusive === true && typeof schema[boundKeyword] === 'number') {
    result[exclusiveKeyword] = schema[boundKeyword];
    delete result[boundKeyword];
  } else if (typeof exclusive === 'number') {
    result[exclusiveKeyword] = exclusive;
  }
}
