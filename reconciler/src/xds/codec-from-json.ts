/**
 * proto3 JSON (Envoy's YAML/JSON config form) → protobufjs message objects, strictly: an unknown field,
 * an unknown `@type`, a wrong scalar or two members of one oneof raise a `CodecError` naming the path.
 * protobufjs' own `fromObject` silently drops unknown fields and knows no Duration strings or bare
 * wrapper values, which would hide generator bugs until Envoy rejects (or worse, accepts) the config.
 */
import * as protobuf from 'protobufjs';
import { lookupMessageType, xdsProtoRoot } from './codec-protos';

/** A resource could not be converted; `path` is the JSON path inside the resource. */
export class CodecError extends Error {
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'CodecError';
  }
}

export const WRAPPER_TYPES: Readonly<Record<string, string>> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

const DURATION_PATTERN = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/;

const fullNames = new WeakMap<protobuf.ReflectionObject, string>();

/** A type's full name (`.envoy.config…`); protobufjs rebuilds it from the parents on every read. */
export function fullNameOf(type: protobuf.ReflectionObject): string {
  let name = fullNames.get(type);
  if (name === undefined) {
    name = type.fullName;
    fullNames.set(type, name);
  }
  return name;
}

/** Converts one message value to a protobufjs object; well-known types get their special JSON forms. */
export function messageFromJson(type: protobuf.Type, json: unknown, path: string): Record<string, unknown> {
  const fullName = fullNameOf(type);
  if (fullName in WRAPPER_TYPES) return { value: scalarFromJson(WRAPPER_TYPES[fullName], json, path) };
  switch (fullName) {
    case '.google.protobuf.Any': return anyFromJson(json, path);
    case '.google.protobuf.Duration': return durationFromJson(json, path);
    case '.google.protobuf.Timestamp': return timestampFromJson(json, path);
    case '.google.protobuf.Struct': return structFromJson(json, path);
    case '.google.protobuf.Value': return valueFromJson(json, path);
    case '.google.protobuf.ListValue': return { values: arrayOf(json, path).map((item, i) => valueFromJson(item, `${path}[${i}]`)) };
    case '.google.protobuf.FieldMask':
      if (typeof json !== 'string') throw new CodecError(path, `expected a comma-separated string, got ${describe(json)}`);
      return { paths: json === '' ? [] : json.split(',') };
    default: return plainMessageFromJson(type, json, path);
  }
}

function plainMessageFromJson(type: protobuf.Type, json: unknown, path: string): Record<string, unknown> {
  const input = objectOf(json, path);
  const result: Record<string, unknown> = {};
  const oneofMembers = new Map<string, string>();
  for (const [key, raw] of Object.entries(input)) {
    const field = findField(type, key);
    const fieldPath = `${path}.${key}`;
    if (!field) throw new CodecError(fieldPath, `unknown field for ${fullNameOf(type).slice(1)}`);
    if (raw === null && (!field.resolvedType || fullNameOf(field.resolvedType) !== '.google.protobuf.Value')) continue;
    if (field.partOf && field.partOf.oneof.length > 1) {
      const other = oneofMembers.get(field.partOf.name);
      if (other) throw new CodecError(fieldPath, `'${other}' is already set; only one field of oneof '${field.partOf.name}' may be set`);
      oneofMembers.set(field.partOf.name, field.name);
    }
    result[field.name] = fieldFromJson(field, raw, fieldPath);
  }
  return result;
}

export function findField(type: protobuf.Type, key: string): protobuf.Field | undefined {
  return type.fields[key] ?? type.fieldsArray.find((field) => (field as { jsonName?: string }).jsonName === key || camelCase(field.name) === key);
}

function fieldFromJson(field: protobuf.Field, raw: unknown, path: string): unknown {
  if (field.map) {
    const entries = objectOf(raw, path);
    return Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, singleFromJson(field, value, `${path}.${key}`)]));
  }
  if (field.repeated) return arrayOf(raw, path).map((item, i) => singleFromJson(field, item, `${path}[${i}]`));
  return singleFromJson(field, raw, path);
}

function singleFromJson(field: protobuf.Field, raw: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageFromJson(resolved, raw, path);
  if (resolved instanceof protobuf.Enum) return enumFromJson(resolved, raw, path);
  return scalarFromJson(field.type, raw, path);
}

export function enumFromJson(enumType: protobuf.Enum, raw: unknown, path: string): number {
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && raw in enumType.values) return enumType.values[raw];
  throw new CodecError(path, `${describe(raw)} is not a value of enum ${enumType.name}; expected one of ${Object.keys(enumType.values).join(', ')}`);
}

export function scalarFromJson(type: string, raw: unknown, path: string): unknown {
  switch (type) {
    case 'string':
      if (typeof raw !== 'string') throw new CodecError(path, `expected a string, got ${describe(raw)}`);
      return raw;
    case 'bool':
      if (typeof raw !== 'boolean') throw new CodecError(path, `expected true or false, got ${describe(raw)}`);
      return raw;
    case 'bytes':
      if (typeof raw !== 'string') throw new CodecError(path, `expected base64 bytes, got ${describe(raw)}`);
      return Buffer.from(raw, 'base64');
    case 'double': case 'float':
      if (typeof raw === 'number') return raw;
      if (raw === 'NaN' || raw === 'Infinity' || raw === '-Infinity') return Number(raw);
      if (typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw);
      throw new CodecError(path, `expected a number, got ${describe(raw)}`);
    default:
      return integerFromJson(type, raw, path);
  }
}

function integerFromJson(type: string, raw: unknown, path: string): number | string {
  const isLong = type.endsWith('64');
  const unsigned = type.startsWith('uint') || type.startsWith('fixed');
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^-?\d+$/.test(text)) throw new CodecError(path, `expected an integer (${type}), got ${describe(raw)}`);
  if (unsigned && text.startsWith('-')) throw new CodecError(path, `expected a non-negative integer (${type}), got ${text}`);
  if (isLong) return text;
  const value = Number(text);
  const [min, max] = unsigned ? [0, 0xffffffff] : [-0x80000000, 0x7fffffff];
  if (value < min || value > max) throw new CodecError(path, `${text} is out of range for ${type}`);
  return value;
}

/** An Any's `@type`, its message type and the JSON of the message it holds. */
export function anyParts(json: unknown, path: string): { typeUrl: string; type: protobuf.Type; body: unknown } {
  const { '@type': typeUrl, ...fields } = objectOf(json, path);
  if (typeof typeUrl !== 'string') throw new CodecError(path, "an Any needs a '@type' naming its message type");
  const type = lookupMessageType(typeUrl);
  if (!type) throw new CodecError(`${path}.@type`, `unknown type '${typeUrl}'; it is not an Envoy v3 type the reconciler loads`);
  // Well-known types inside Any carry their JSON form under 'value' (proto3 JSON spec).
  const body = fullNameOf(type).startsWith('.google.protobuf.') && 'value' in fields ? fields.value : fields;
  return { typeUrl, type, body };
}

function anyFromJson(json: unknown, path: string): Record<string, unknown> {
  const { typeUrl, type, body } = anyParts(json, path);
  const message = messageFromJson(type, body, path);
  return { type_url: typeUrl, value: type.encode(type.fromObject(message)).finish() };
}

export function durationFromJson(json: unknown, path: string): { seconds: string; nanos: number } {
  const match = typeof json === 'string' ? DURATION_PATTERN.exec(json) : null;
  if (!match) throw new CodecError(path, `expected a duration like '1.5s', got ${describe(json)}`);
  const sign = match[1] === '-' ? -1 : 1;
  const nanos = match[3] ? Number(match[3].padEnd(9, '0')) : 0;
  return { seconds: match[1] + match[2], nanos: sign * nanos };
}

export function timestampFromJson(json: unknown, path: string): { seconds: string; nanos: number } {
  const millis = typeof json === 'string' ? Date.parse(json) : NaN;
  if (Number.isNaN(millis)) throw new CodecError(path, `expected an RFC 3339 timestamp, got ${describe(json)}`);
  return { seconds: String(Math.floor(millis / 1000)), nanos: (millis % 1000) * 1e6 };
}

function structFromJson(json: unknown, path: string): Record<string, unknown> {
  const fields = objectOf(json, path);
  return { fields: Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, valueFromJson(value, `${path}.${key}`)])) };
}

function valueFromJson(json: unknown, path: string): Record<string, unknown> {
  if (json === null) return { [valueField('null_value')]: 0 };
  if (typeof json === 'number') return { [valueField('number_value')]: json };
  if (typeof json === 'string') return { [valueField('string_value')]: json };
  if (typeof json === 'boolean') return { [valueField('bool_value')]: json };
  if (Array.isArray(json)) return { [valueField('list_value')]: { values: json.map((item, i) => valueFromJson(item, `${path}[${i}]`)) } };
  if (typeof json === 'object') return { [valueField('struct_value')]: structFromJson(json, path) };
  throw new CodecError(path, `${describe(json)} cannot be a JSON value`);
}

/**
 * protobufjs bundles its own google.protobuf.Value with camelCase field names, whatever `keepCase` says;
 * this maps the proto field name to the name the loaded type uses.
 */
export function valueField(protoName: string): string {
  const type = xdsProtoRoot().lookupType('google.protobuf.Value');
  return type.fields[protoName] ? protoName : camelCase(protoName);
}

export function objectOf(json: unknown, path: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CodecError(path, `expected an object, got ${describe(json)}`);
  return json as Record<string, unknown>;
}

export function arrayOf(json: unknown, path: string): unknown[] {
  if (!Array.isArray(json)) throw new CodecError(path, `expected a list, got ${describe(json)}`);
  return json;
}

function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
