/**
 * An immutable, versioned set of resources for one proxy. Each type's version is derived from the
 * content of that type's resources, so a push that changes only endpoints leaves the listener,
 * route and cluster versions as they were and Envoy is not sent them again.
 */
import { TYPE_URLS } from '../push/contract';
import type { ProxyResources, XdsResource } from '../push/contract';
import { contentHash, EncodedResource, ResourceEncoder } from './codec';

/** The order types are pushed in, so Envoy warms clusters before endpoints and listeners before routes. */
export const PUSH_ORDER: readonly string[] = [TYPE_URLS.cluster, TYPE_URLS.endpoint, TYPE_URLS.listener, TYPE_URLS.route, TYPE_URLS.secret];

export class XdsSnapshot {
  private readonly versionsByType: ReadonlyMap<string, string>;

  constructor(private readonly resourcesByType: ReadonlyMap<string, ReadonlyMap<string, EncodedResource>>) {
    const versions = new Map<string, string>();
    for (const [typeUrl, resources] of resourcesByType) {
      const digest = [...resources.values()].map((resource) => `${resource.name}=${resource.hash}`).sort().join('\n');
      versions.set(typeUrl, contentHash(digest).slice(0, 16));
    }
    this.versionsByType = versions;
  }

  /** The type's version; every type in PUSH_ORDER has one (an empty type has the empty-set version). */
  version(typeUrl: string): string | undefined {
    return this.versionsByType.get(typeUrl);
  }

  /** The type's resources by name (empty when the snapshot holds none). */
  resources(typeUrl: string): ReadonlyMap<string, EncodedResource> {
    return this.resourcesByType.get(typeUrl) ?? new Map();
  }

  get typeUrls(): string[] {
    return [...this.resourcesByType.keys()];
  }

  /** The proto3 JSON of every resource, by type URL then name, for `/debug/config_dump`. */
  toJson(): Record<string, { version: string; resources: Record<string, unknown> }> {
    const dump: Record<string, { version: string; resources: Record<string, unknown> }> = {};
    for (const [typeUrl, resources] of this.resourcesByType) {
      dump[typeUrl] = {
        version: this.versionsByType.get(typeUrl)!,
        resources: Object.fromEntries([...resources.values()].map((resource) => [resource.name, resource.json])),
      };
    }
    return dump;
  }
}

/** A resource name that appears twice within one type; Envoy would keep one at random. */
export class DuplicateResourceError extends Error {
  constructor(readonly typeUrl: string, readonly resourceName: string) {
    super(`two ${typeUrl} resources are named '${resourceName}'; resource names must be unique per type`);
    this.name = 'DuplicateResourceError';
  }
}

/**
 * Encodes a proxy's resources into a snapshot. Throws `ResourceEncodingError` (naming resource and
 * field) or `DuplicateResourceError`; neither yields a snapshot, so nothing broken is published.
 */
export function buildSnapshot(resources: ProxyResources, encoder: ResourceEncoder): XdsSnapshot {
  const byType = new Map<string, Map<string, EncodedResource>>();
  for (const typeUrl of PUSH_ORDER) byType.set(typeUrl, new Map());
  for (const [typeUrl, list] of resources) {
    const encoded = byType.get(typeUrl) ?? new Map<string, EncodedResource>();
    for (const resource of list as readonly XdsResource[]) {
      if (encoded.has(resource.name)) throw new DuplicateResourceError(typeUrl, resource.name);
      encoded.set(resource.name, encoder.encode(typeUrl, resource));
    }
    byType.set(typeUrl, encoded);
  }
  return new XdsSnapshot(byType);
}
