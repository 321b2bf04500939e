/**
 * The codec between the generators' proto3 JSON resources and the protobuf bytes sent to Envoy.
 * Encoded bytes are cached by content hash: a resource shared by many proxies, or unchanged across
 * pushes, is encoded once.
 */
import { createHash } from 'crypto';
import type { XdsResource } from '../push/contract';
import { CodecError, encodeMessageJson } from './codec-from-json';
import { decodeMessageJson } from './codec-to-json';

export { CodecError } from './codec-from-json';
export { decodeMessageJson } from './codec-to-json';
export { xdsProtoRoot } from './codec-protos';

/** One resource ready to send: its Any bytes and a content hash that doubles as its version. */
export interface EncodedResource {
  readonly name: string;
  readonly typeUrl: string;
  /** Hex sha256 of the type URL and the canonical JSON; equal content ⇒ equal hash. */
  readonly hash: string;
  /** The serialized message (the `value` of the `Any`). */
  readonly bytes: Uint8Array;
  /** The proto3 JSON the bytes came from, for config dumps. */
  readonly json: Readonly<Record<string, unknown>>;
}

/** A resource that could not be encoded; the message names the type, resource and field path. */
export class ResourceEncodingError extends Error {
  constructor(readonly typeUrl: string, readonly resourceName: string, readonly cause: CodecError) {
    super(`cannot encode ${shortType(typeUrl)} '${resourceName}': ${cause.message}`);
    this.name = 'ResourceEncodingError';
  }
}

/** JSON with object keys sorted, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object).sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Encodes resources, reusing the bytes of any resource already encoded with the same content. */
export class ResourceEncoder {
  private readonly byHash = new Map<string, Uint8Array>();

  /** @param maxEntries bound on cached encodings; the least recently used are dropped first. */
  constructor(private readonly maxEntries = 50_000) {}

  encode(typeUrl: string, resource: XdsResource): EncodedResource {
    const hash = contentHash(`${typeUrl}\n${canonicalJson(resource.resource)}`);
    let bytes = this.byHash.get(hash);
    if (bytes) {
      this.byHash.delete(hash); // re-insert: Map order is the recency order
    } else {
      bytes = encodeResourceBytes(typeUrl, resource);
    }
    this.byHash.set(hash, bytes);
    this.evictOverflow();
    return { name: resource.name, typeUrl, hash, bytes, json: resource.resource };
  }

  /** How many distinct encodings are cached (for tests and metrics). */
  get size(): number {
    return this.byHash.size;
  }

  private evictOverflow(): void {
    while (this.byHash.size > this.maxEntries) {
      const oldest = this.byHash.keys().next().value as string;
      this.byHash.delete(oldest);
    }
  }
}

/** Encodes one resource's proto3 JSON as the bytes of `typeUrl`; a `@type` in the JSON must agree. */
export function encodeResourceBytes(typeUrl: string, resource: XdsResource): Uint8Array {
  const { '@type': declared, ...fields } = resource.resource;
  try {
    if (declared !== undefined && declared !== typeUrl) {
      throw new CodecError('$.@type', `is '${String(declared)}' but the resource is served as '${typeUrl}'`);
    }
    return encodeMessageJson(typeUrl, fields, '$');
  } catch (error) {
    if (error instanceof CodecError) throw new ResourceEncodingError(typeUrl, resource.name, error);
    throw error;
  }
}

/** Decodes the bytes of one resource back to proto3 JSON (without a top-level `@type`). */
export function decodeResourceBytes(typeUrl: string, bytes: Uint8Array): Record<string, unknown> {
  return decodeMessageJson(typeUrl, bytes);
}

function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}
