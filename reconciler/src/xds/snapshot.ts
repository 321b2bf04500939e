/**
 * An immutable, versioned set of resources for one proxy. Each type's version is derived from the
 * content of that type's resources, so a push that changes only endpoints leaves the listener,
 * route and cluster versions as they were and Envoy is not sent them again.
 */
import { TYPE_URLS } from '../push/contract';
import type { ProxyResources, XdsResource } from '../push/contract';
import type { EncodedResource, ResourceEncoder } from './codec';
import { EncodedResourceSet, resourceSetVersion } from './resource-set';

export { DuplicateResourceError } from './resource-set';

/** The order types are pushed in, so Envoy warms clusters before endpoints and listeners before routes. */
export const PUSH_ORDER: readonly string[] = [TYPE_URLS.cluster, TYPE_URLS.endpoint, TYPE_URLS.listener, TYPE_URLS.route, TYPE_URLS.secret];

const EMPTY_SET: EncodedResourceSet = { resources: new Map(), version: resourceSetVersion([]) };

export class XdsSnapshot {
  /** Sets may be shared with other proxies' snapshots; they are never mutated. */
  constructor(private readonly setsByType: ReadonlyMap<string, EncodedResourceSet>) {}

  /** The type's version; every type in PUSH_ORDER has one (an empty type has the empty-set version). */
  version(typeUrl: string): string | undefined {
    return this.setsByType.get(typeUrl)?.version;
  }

  /** The type's resources by name (empty when the snapshot holds none). */
  resources(typeUrl: string): ReadonlyMap<string, EncodedResource> {
    return this.setsByType.get(typeUrl)?.resources ?? EMPTY_SET.resources;
  }

  get typeUrls(): string[] {
    return [...this.setsByType.keys()];
  }

  /** The proto3 JSON of every resource, by type URL then name, for `/debug/config_dump`. */
  toJson(): Record<string, { version: string; resources: Record<string, unknown> }> {
    const dump: Record<string, { version: string; resources: Record<string, unknown> }> = {};
    for (const [typeUrl, set] of this.setsByType) {
      dump[typeUrl] = {
        version: set.version,
        resources: Object.fromEntries([...set.resources.values()].map((resource) => [resource.name, resource.json])),
      };
    }
    return dump;
  }
}

/**
 * Encodes a proxy's resources into a snapshot. Throws `ResourceEncodingError` (naming resource and
 * field) or `DuplicateResourceError`; neither yields a snapshot, so nothing broken is published.
 */
export function buildSnapshot(resources: ProxyResources, encoder: ResourceEncoder): XdsSnapshot {
  const byType = new Map<string, EncodedResourceSet>();
  for (const typeUrl of PUSH_ORDER) byType.set(typeUrl, EMPTY_SET);
  for (const [typeUrl, list] of resources) byType.set(typeUrl, encoder.encodeSet(typeUrl, list as readonly XdsResource[]));
  return new XdsSnapshot(byType);
}
