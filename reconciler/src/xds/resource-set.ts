/**
 * One type's encoded resources for a proxy, by name, with the type's version. Derived from content
 * only (names and content hashes), so proxies holding equal resources hold equal versions.
 */
import { createHash } from 'crypto';
import type { XdsResource } from '../push/contract';
import type { EncodedResource } from './codec';

export interface EncodedResourceSet {
  readonly resources: ReadonlyMap<string, EncodedResource>;
  /** 16 hex digits of the sha256 of the sorted `name=hash` lines. */
  readonly version: string;
}

/** A resource name that appears twice within one type; Envoy would keep one at random. */
export class DuplicateResourceError extends Error {
  constructor(readonly typeUrl: string, readonly resourceName: string) {
    super(`two ${typeUrl} resources are named '${resourceName}'; resource names must be unique per type`);
    this.name = 'DuplicateResourceError';
  }
}

/** Encodes every resource of one type with `encode`; throws `DuplicateResourceError` on a repeated name. */
export function encodeResourceSet(
  typeUrl: string, list: readonly XdsResource[], encode: (resource: XdsResource) => EncodedResource,
): EncodedResourceSet {
  const resources = new Map<string, EncodedResource>();
  for (const resource of list) {
    if (resources.has(resource.name)) throw new DuplicateResourceError(typeUrl, resource.name);
    resources.set(resource.name, encode(resource));
  }
  return { resources, version: resourceSetVersion(resources.values()) };
}

export function resourceSetVersion(resources: Iterable<EncodedResource>): string {
  const digest = [...resources].map((resource) => `${resource.name}=${resource.hash}`).sort().join('\n');
  return createHash('sha256').update(digest).digest('hex').slice(0, 16);
}
