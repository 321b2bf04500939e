/**
 * proto3 JSON → protobuf wire bytes in one pass: each value is checked as `messageFromJson` checks
 * it (same errors, same paths) and written straight to a protobufjs `Writer`, instead of first
 * building message objects for `fromObject` and `encode`. The bytes are the ones protobufjs writes
 * for those objects: fields in number order, every field the JSON sets (defaults included), packed
 * repeated scalars, map entries in key order. Every resource of every push goes through here, and
 * the two-pass path spent most of its time building, and compiling code for, objects it then threw away.
 */
import * as protobuf from 'protobufjs';
import {
  anyParts, arrayOf, CodecError, describe, durationFromJson, enumFromJson, findField, fullNameOf, objectOf, scalarFromJson,
  timestampFromJson, WRAPPER_TYPES,
} from './codec-from-json';
import { lookupMessageType } from './codec-protos';

/** Field numbers of the well-known types, fixed by their .proto files. */
const WELL_KNOWN = {
  secondsAndNanos: { seconds: 1, nanos: 2 },
  wrapperValue: 1,
  any: { typeUrl: 1, value: 2 },
  structFields: 1,
  listValues: 1,
  value: { null: 1, number: 2, string: 3, bool: 4, struct: 5, list: 6 },
  fieldMaskPaths: 1,
} as const;

const LENGTH_DELIMITED = 2;

type ScalarWriter = (writer: protobuf.Writer, value: unknown) => void;

const scalarWriters = new Map<string, ScalarWriter>();

/** Writes `value` with the writer method of a protobuf scalar type (int64 strings included). */
function scalarWriter(type: string): ScalarWriter {
  let write = scalarWriters.get(type);
  if (!write) {
    const method = (protobuf.Writer.prototype as unknown as Record<string, (value: unknown) => protobuf.Writer>)[type];
    write = (writer, value) => { method.call(writer, value); };
    scalarWriters.set(type, write);
  }
  return write;
}

const tag = (id: number, wireType: number) => ((id << 3) | wireType) >>> 0;

/** Encodes a proto3 JSON object (without `@type`) as the bytes of the named message. */
export function encodeMessageJson(typeUrl: string, json: unknown, path: string): Uint8Array {
  const type = lookupMessageType(typeUrl);
  if (!type) throw new CodecError(path, `unknown type '${typeUrl}'; it is not an Envoy v3 type the reconciler loads`);
  const writer = protobuf.Writer.create();
  writeMessage(type, json, path, writer);
  return writer.finish();
}

function writeMessage(type: protobuf.Type, json: unknown, path: string, writer: protobuf.Writer): void {
  const fullName = fullNameOf(type);
  const wrapped = WRAPPER_TYPES[fullName];
  if (wrapped !== undefined) {
    writeScalarField(writer, WELL_KNOWN.wrapperValue, wrapped, scalarFromJson(wrapped, json, path));
    return;
  }
  switch (fullName) {
    case '.google.protobuf.Any': return writeAny(json, path, writer);
    case '.google.protobuf.Duration': return writeSecondsAndNanos(durationFromJson(json, path), writer);
    case '.google.protobuf.Timestamp': return writeSecondsAndNanos(timestampFromJson(json, path), writer);
    case '.google.protobuf.Struct': return writeStruct(json, path, writer);
    case '.google.protobuf.Value': return writeValue(json, path, writer);
    case '.google.protobuf.ListValue':
      for (const [i, item] of arrayOf(json, path).entries()) writeNested(writer, WELL_KNOWN.listValues, () => writeValue(item, `${path}[${i}]`, writer));
      return;
    case '.google.protobuf.FieldMask':
      if (typeof json !== 'string') throw new CodecError(path, `expected a comma-separated string, got ${describe(json)}`);
      for (const entry of json === '' ? [] : json.split(',')) writer.uint32(tag(WELL_KNOWN.fieldMaskPaths, LENGTH_DELIMITED)).string(entry);
      return;
    default: return writePlainMessage(type, json, path, writer);
  }
}

interface SetField {
  readonly field: protobuf.Field;
  readonly raw: unknown;
  readonly path: string;
}

function writePlainMessage(type: protobuf.Type, json: unknown, path: string, writer: protobuf.Writer): void {
  const input = objectOf(json, path);
  const set: SetField[] = [];
  let oneofMembers: Map<string, string> | undefined;
  for (const key in input) {
    if (!Object.prototype.hasOwnProperty.call(input, key)) continue;
    const raw = input[key];
    const field = findField(type, key);
    const fieldPath = `${path}.${key}`;
    if (!field) throw new CodecError(fieldPath, `unknown field for ${fullNameOf(type).slice(1)}`);
    if (raw === null && (!field.resolvedType || fullNameOf(field.resolvedType) !== '.google.protobuf.Value')) continue;
    if (field.partOf && field.partOf.oneof.length > 1) {
      oneofMembers ??= new Map();
      const other = oneofMembers.get(field.partOf.name);
      if (other) throw new CodecError(fieldPath, `'${other}' is already set; only one field of oneof '${field.partOf.name}' may be set`);
      oneofMembers.set(field.partOf.name, field.name);
    }
    set.push({ field, raw, path: fieldPath });
  }
  // Known fields go out in field-number order, as protobufjs writes them.
  if (set.length > 1) set.sort((a, b) => a.field.id - b.field.id);
  for (const entry of set) writeField(entry.field, entry.raw, entry.path, writer);
}

function writeField(field: protobuf.Field, raw: unknown, path: string, writer: protobuf.Writer): void {
  const resolved = field.resolvedType;
  if (field.map) {
    const keyType = (field as unknown as protobuf.MapField).keyType;
    const writeKey = scalarWriter(keyType);
    const keyTag = tag(1, (protobuf.types.mapKey as Record<string, number>)[keyType]);
    const entries = objectOf(raw, path);
    for (const key of canonicalKeys(entries)) {
      const entryPath = `${path}.${key}`;
      const value = entries[key];
      writer.uint32(tag(field.id, LENGTH_DELIMITED)).fork().uint32(keyTag);
      writeKey(writer, key);
      writeSingle(field, 2, value, entryPath, writer);
      writer.ldelim();
    }
    return;
  }
  if (field.repeated) {
    const items = arrayOf(raw, path);
    if (items.length === 0) return;
    const scalarType = resolved instanceof protobuf.Enum ? 'int32' : field.type;
    if (!(resolved instanceof protobuf.Type) && field.packed && protobuf.types.packed[scalarType as keyof typeof protobuf.types.packed] !== undefined) {
      const values = items.map((item, i) => singleScalar(field, item, `${path}[${i}]`));
      const write = scalarWriter(scalarType);
      writer.uint32(tag(field.id, LENGTH_DELIMITED)).fork();
      for (const value of values) write(writer, value);
      writer.ldelim();
      return;
    }
    items.forEach((item, i) => writeSingle(field, field.id, item, `${path}[${i}]`, writer));
    return;
  }
  writeSingle(field, field.id, raw, path, writer);
}

/** One value of a field (or of a map entry's value, number 2) under field number `id`. */
function writeSingle(field: protobuf.Field, id: number, raw: unknown, path: string, writer: protobuf.Writer): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    writeNested(writer, id, () => writeMessage(resolved, raw, path, writer));
    return;
  }
  const scalarType = resolved instanceof protobuf.Enum ? 'int32' : field.type;
  writeScalarField(writer, id, scalarType, singleScalar(field, raw, path));
}

function singleScalar(field: protobuf.Field, raw: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return enumFromJson(resolved, raw, path);
  return scalarFromJson(field.type, raw, path);
}

function writeScalarField(writer: protobuf.Writer, id: number, type: string, value: unknown): void {
  writer.uint32(tag(id, protobuf.types.basic[type as keyof typeof protobuf.types.basic]));
  scalarWriter(type)(writer, value);
}

function writeNested(writer: protobuf.Writer, id: number, body: () => void): void {
  writer.uint32(tag(id, LENGTH_DELIMITED)).fork();
  body();
  writer.ldelim();
}

function writeAny(json: unknown, path: string, writer: protobuf.Writer): void {
  const { typeUrl, type, body } = anyParts(json, path);
  writer.uint32(tag(WELL_KNOWN.any.typeUrl, LENGTH_DELIMITED)).string(typeUrl);
  writeNested(writer, WELL_KNOWN.any.value, () => writeMessage(type, body, path, writer));
}

function writeSecondsAndNanos(value: { seconds: string; nanos: number }, writer: protobuf.Writer): void {
  writeScalarField(writer, WELL_KNOWN.secondsAndNanos.seconds, 'int64', value.seconds);
  writeScalarField(writer, WELL_KNOWN.secondsAndNanos.nanos, 'int32', value.nanos);
}

/**
 * Map and Struct keys in one order whatever order the JSON was built in, so equal content gives
 * equal bytes (the bytes' hash is the resource's version): the order JavaScript itself gives an
 * object whose keys were added sorted, array indices first by value, then the rest sorted.
 */
function canonicalKeys(object: Record<string, unknown>): string[] {
  return Object.keys(object).sort(compareKeys);
}

function compareKeys(a: string, b: string): number {
  const aIndex = isArrayIndex(a), bIndex = isArrayIndex(b);
  if (aIndex && bIndex) return Number(a) - Number(b);
  if (aIndex !== bIndex) return aIndex ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;
}

function writeStruct(json: unknown, path: string, writer: protobuf.Writer): void {
  const fields = objectOf(json, path);
  for (const key of canonicalKeys(fields)) {
    writer.uint32(tag(WELL_KNOWN.structFields, LENGTH_DELIMITED)).fork().uint32(tag(1, LENGTH_DELIMITED)).string(key);
    writeNested(writer, 2, () => writeValue(fields[key], `${path}.${key}`, writer));
    writer.ldelim();
  }
}

function writeValue(json: unknown, path: string, writer: protobuf.Writer): void {
  const kind = WELL_KNOWN.value;
  if (json === null) return writeScalarField(writer, kind.null, 'int32', 0);
  if (typeof json === 'number') return writeScalarField(writer, kind.number, 'double', json);
  if (typeof json === 'string') return writeScalarField(writer, kind.string, 'string', json);
  if (typeof json === 'boolean') return writeScalarField(writer, kind.bool, 'bool', json);
  if (Array.isArray(json)) {
    return writeNested(writer, kind.list, () => json.forEach((item, i) => writeNested(writer, WELL_KNOWN.listValues, () => writeValue(item, `${path}[${i}]`, writer))));
  }
  if (typeof json === 'object') return writeNested(writer, kind.struct, () => writeStruct(json, path, writer));
  throw new CodecError(path, `${describe(json)} cannot be a JSON value`);
}
