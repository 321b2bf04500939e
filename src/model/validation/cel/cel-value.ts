import { CelInput } from '@bufbuild/cel';
import { isPlainObject } from '../field-path';
import { KubernetesSchema } from '../kubernetes-schema';

// Converts a parsed YAML/JSON value into CEL input the way the API server types it from the
// schema: `integer` (and the integer side of int-or-string) becomes a CEL int, `number` a
// double. JSON has a single number type, so without this `self.port == other.port` could
// compare an int to a double. Where the schema is open (preserve-unknown-fields), whole
// numbers are taken as ints.

export function toCelInput(value: unknown, schema: KubernetesSchema | undefined): CelInput {
  if (Array.isArray(value)) {
    return value.map((element) => toCelInput(element, schema?.items));
  }
  if (isPlainObject(value)) {
    const converted: Record<string, CelInput> = {};
    for (const [key, child] of Object.entries(value)) {
      if (child !== undefined) {
        converted[key] = toCelInput(child, childSchema(schema, key));
      }
    }
    return converted;
  }
  if (typeof value === 'number') {
    return toCelNumber(value, schema);
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) {
    return value;
  }
  throw new Error(`cannot represent ${typeof value} in CEL`);
}

function toCelNumber(value: number, schema: KubernetesSchema | undefined): CelInput {
  if (schema?.type === 'number' || !Number.isInteger(value)) {
    return value;
  }
  return BigInt(value);
}

function childSchema(schema: KubernetesSchema | undefined, key: string): KubernetesSchema | undefined {
  const declared = schema?.properties?.[key];
  if (declared) {
    return declared;
  }
  return typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}
