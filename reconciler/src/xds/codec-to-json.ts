/**
 * protobuf bytes → proto3 JSON, the inverse of `codec-from-json.ts`: Any as `@type` objects, Durations
 * as `'1.5s'`, wrappers as bare values, Struct as plain JSON, enums by name, 64-bit integers as strings.
 * Used to read requests from Envoy (node metadata, NACK details) and to verify what is sent.
 */
import * as protobuf from 'protobufjs';
import { CodecError, valueField } from './codec-from-json';
import { lookupMessageType } from './codec-protos';

/** Decodes the bytes of the message named by a type URL into proto3 JSON. */
export function decodeMessageJson(typeUrl: string, bytes: Uint8Array, path = '$'): Record<string, unknown> {
  const type = lookupMessageType(typeUrl);
  if (!type) throw new CodecError(path, `unknown type '${typeUrl}'; it is not an Envoy v3 type the reconciler loads`);
  return messageToJson(type, type.decode(bytes), path) as Record<string, unknown>;
}

/** Converts a decoded protobufjs message into its proto3 JSON form. */
export function messageToJson(type: protobuf.Type, message: protobuf.Message | Record<string, any>, path: string): unknown {
  const fields = message as Record<string, any>;
  switch (type.fullName) {
    case '.google.protobuf.Any': return anyToJson(fields, path);
    case '.google.protobuf.Duration': return durationToJson(fields);
    case '.google.protobuf.Timestamp': return new Date(Number(fields.seconds ?? 0) * 1000 + Math.floor((fields.nanos ?? 0) / 1e6)).toISOString();
    case '.google.protobuf.Struct': return structToJson(fields);
    case '.google.protobuf.Value': return valueToJson(fields);
    case '.google.protobuf.ListValue': return (fields.values ?? []).map(valueToJson);
    case '.google.protobuf.FieldMask': return (fields.paths ?? []).join(',');
    default: break;
  }
  if (type.fullName.startsWith('.google.protobuf.') && type.fullName.endsWith('Value') && type.fields.value) {
    return scalarToJson(type.fields.value, fields.value ?? type.fields.value.typeDefault);
  }
  const result: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(fields, field.name)) continue;
    const value = fields[field.name];
    if (value === null || value === undefined) continue;
    const fieldPath = `${path}.${field.name}`;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      result[field.name] = Object.fromEntries(entries.map(([key, item]) => [key, singleToJson(field, item, `${fieldPath}.${key}`)]));
    } else if (field.repeated) {
      if ((value as unknown[]).length === 0) continue;
      result[field.name] = (value as unknown[]).map((item, i) => singleToJson(field, item, `${fieldPath}[${i}]`));
    } else {
      result[field.name] = singleToJson(field, value, fieldPath);
    }
  }
  return result;
}

function singleToJson(field: protobuf.Field, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as Record<string, unknown>, path);
  if (resolved instanceof protobuf.Enum) return resolved.valuesById[value as number] ?? value;
  return scalarToJson(field, value);
}

function scalarToJson(field: protobuf.Field, value: unknown): unknown {
  if (field.type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (field.long) return String(value);
  return value;
}

function anyToJson(fields: Record<string, any>, path: string): Record<string, unknown> {
  const typeUrl: string = fields.type_url ?? '';
  const type = lookupMessageType(typeUrl);
  if (!type) throw new CodecError(`${path}.@type`, `unknown type '${typeUrl}'; it is not an Envoy v3 type the reconciler loads`);
  const body = messageToJson(type, type.decode(fields.value ?? new Uint8Array()), path);
  const isWellKnown = type.fullName.startsWith('.google.protobuf.');
  return isWellKnown ? { '@type': typeUrl, 'value': body } : { '@type': typeUrl, ...(body as Record<string, unknown>) };
}

function durationToJson(fields: Record<string, any>): string {
  const seconds = BigInt(String(fields.seconds ?? 0));
  const nanos = Number(fields.nanos ?? 0);
  const negative = seconds < 0n || nanos < 0;
  const absSeconds = seconds < 0n ? -seconds : seconds;
  const fraction = nanos === 0 ? '' : `.${String(Math.abs(nanos)).padStart(9, '0').replace(/0+$/, '')}`;
  return `${negative ? '-' : ''}${absSeconds}${fraction}s`;
}

function structToJson(fields: Record<string, any>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields.fields ?? {}).map(([key, value]) => [key, valueToJson(value as Record<string, any>)]));
}

function valueToJson(value: Record<string, any>): unknown {
  // Decoded messages carry set fields as own properties; defaults live on the prototype.
  const has = (key: string) => {
    const name = valueField(key);
    return Object.prototype.hasOwnProperty.call(value, name) && value[name] !== undefined && value[name] !== null;
  };
  const get = (key: string) => value[valueField(key)];
  if (has('struct_value')) return structToJson(get('struct_value'));
  if (has('list_value')) return (get('list_value').values ?? []).map(valueToJson);
  if (has('string_value')) return get('string_value');
  if (has('number_value')) return get('number_value');
  if (has('bool_value')) return get('bool_value');
  return null;
}
