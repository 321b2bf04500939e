/**
 * The codec between the generators' proto3 JSON resources and the protobuf bytes sent to Envoy.
 * Two caches keep the work per push proportional to distinct resources, not to proxies:
 * - by object identity: generation hands the same resource object to every proxy of one scope, and
 *   that object is serialized and hashed once (generated resources are never mutated afterwards);
 * - by content hash: a resource regenerated with unchanged content (a new push) shares the bytes
 *   already held, so equal content is held once.
 */
import { createHash } from 'crypto';
import type { XdsResource } from '../push/contract';
import { CodecError } from './codec-from-json';
import { encodeMessageJson } from './codec-json-wire';
import { decodeMessageJson } from './codec-to-json';
import { EncodedResourceSet, encodeResourceSet } from './resource-set';

export { CodecError } from './codec-from-json';
export { decodeMessageJson } from './codec-to-json';
export { xdsProtoRoot } from './codec-protos';

/** One resource ready to send: its Any bytes and a content hash that doubles as its version. */
export interface EncodedResource {
  readonly name: string;
  readonly typeUrl: string;
  /**
   * Hex sha256 of the type URL and the bytes. The bytes are canonical (fields in number order, map
   * keys sorted), so equal content ⇒ equal hash, whatever the key order of the JSON.
   */
  readonly hash: string;
  /** The serialized message (the `value` of the `Any`). */
  readonly bytes: Uint8Array;
  /** The generated proto3 JSON the bytes came from (the same object, not a copy), for config dumps. */
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

/** Encodes resources, reusing the bytes of any resource already encoded with the same content. */
export class ResourceEncoder {
  private readonly byHash = new Map<string, Uint8Array>();
  /** Weak, so an encoding lives only as long as some snapshot or generation still holds the object. */
  private readonly byObject = new WeakMap<object, EncodedResource>();
  private readonly byList = new WeakMap<readonly XdsResource[], Map<string, EncodedResourceSet>>();

  /** @param maxEntries bound on cached encodings by content; the least recently used are dropped first. */
  constructor(private readonly maxEntries = 50_000) {}

  encode(typeUrl: string, resource: XdsResource): EncodedResource {
    const known = this.byObject.get(resource.resource);
    if (known?.typeUrl === typeUrl) {
      return known.name === resource.name ? known : { ...known, name: resource.name };
    }
    const encoded = this.encodeContent(typeUrl, resource);
    this.byObject.set(resource.resource, encoded);
    return encoded;
  }

  /**
   * Encodes one type's resources as a set; the same list object (generation shares one between
   * proxies of a scope) yields the same set, so those proxies' snapshots share it.
   */
  encodeSet(typeUrl: string, list: readonly XdsResource[]): EncodedResourceSet {
    const byType = this.byList.get(list) ?? new Map<string, EncodedResourceSet>();
    let set = byType.get(typeUrl);
    if (!set) {
      set = encodeResourceSet(typeUrl, list, (resource) => this.encode(typeUrl, resource));
      byType.set(typeUrl, set);
      this.byList.set(list, byType);
    }
    return set;
  }

  private encodeContent(typeUrl: string, resource: XdsResource): EncodedResource {
    // Hashing the bytes costs a fraction of writing canonical JSON, so the resource is encoded first;
    // equal content then shares one copy of the bytes.
    const encoded = encodeResourceBytes(typeUrl, resource);
    const hash = createHash('sha256').update(typeUrl).update('\n').update(encoded).digest('hex');
    let bytes = this.byHash.get(hash);
    if (bytes) {
      this.byHash.delete(hash); // re-insert: Map order is the recency order
    } else {
      bytes = encoded;
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
