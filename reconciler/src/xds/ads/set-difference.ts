/**
 * What changed from one snapshot set of a type to the next. Proxies of one scope hold the same set
 * and move to the same next one, so the difference is worked out once per pair of sets, not once
 * per proxy: at thousands of clusters and a hundred proxies, comparing every resource of every
 * proxy on each endpoint change was most of a push.
 */
import type { EncodedResource } from '../codec';
import { PairCache } from '../pair-cache';

export type ResourcesByName = ReadonlyMap<string, EncodedResource>;

export interface SetDifference {
  /** Resources of the new set not held at that content in the old one, in the new set's order. */
  readonly changed: readonly EncodedResource[];
  /** Names of the new set the old one lacks (a subset of `changed`). */
  readonly added: readonly string[];
  /** Names of the old set the new one lacks. */
  readonly removed: readonly string[];
}

const differences = new PairCache<ResourcesByName, ResourcesByName, SetDifference>();

export function setDifference(from: ResourcesByName, to: ResourcesByName): SetDifference {
  return differences.get(from, to, () => compute(from, to));
}

function compute(from: ResourcesByName, to: ResourcesByName): SetDifference {
  const changed: EncodedResource[] = [];
  const added: string[] = [];
  for (const [name, resource] of to) {
    const held = from.get(name);
    if (held === undefined) added.push(name);
    if (held?.hash !== resource.hash) changed.push(resource);
  }
  const removed: string[] = [];
  for (const name of from.keys()) if (!to.has(name)) removed.push(name);
  return { changed, added, removed };
}
