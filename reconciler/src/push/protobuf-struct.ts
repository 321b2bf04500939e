/** Converts `google.protobuf.Struct` values, as decoded by protobufjs or grpc-js, into plain JS. */

type StructLike = { fields: Record<string, unknown> };

/** Whether a value is a decoded Struct (`{ fields: { … } }`) rather than a plain object. */
export function isProtobufStruct(value: unknown): value is StructLike {
  return typeof value === 'object' && value !== null && 'fields' in value
    && typeof (value as StructLike).fields === 'object' && Object.keys(value).every((key) => key === 'fields');
}

/** A Struct (or an already plain object) as a plain object. */
export function structToPlain(value: unknown): Record<string, unknown> {
  if (isProtobufStruct(value)) {
    return Object.fromEntries(Object.entries(value.fields).map(([key, field]) => [key, valueToPlain(field)]));
  }
  return typeof value === 'object' && value !== null ? { ...(value as Record<string, unknown>) } : {};
}

/** One `google.protobuf.Value`: exactly one of its kind fields is set (`kind` names it when present). */
function valueToPlain(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const fields = value as Record<string, any>;
  const kind: string | undefined = typeof fields.kind === 'string' ? fields.kind
    : ['stringValue', 'numberValue', 'boolValue', 'structValue', 'listValue', 'nullValue'].find((name) => fields[name] !== undefined);
  switch (kind) {
    case 'stringValue':
    case 'numberValue':
    case 'boolValue':
      return fields[kind];
    case 'nullValue':
      return null;
    case 'structValue':
      return structToPlain(fields.structValue);
    case 'listValue':
      return ((fields.listValue?.values ?? []) as unknown[]).map(valueToPlain);
    default:
      // Already plain JSON (a node built by hand or decoded with `toObject({ json: true })`).
      return isProtobufStruct(value) ? structToPlain(value) : value;
  }
}
