/**
 * What is served after a config change: the accepted objects, plus the last accepted version of
 * every object whose edit is rejected (as an API server refuses an update and keeps the stored
 * object). The result is kept consistent as a whole: it never routes to a subset that none of the
 * served DestinationRules defines, which Envoy would answer with `no_cluster`.
 *
 * - A kept previous version that needs subsets of a DestinationRule that was removed or edited
 *   keeps that rule's previous version too; the removal or edit is held back (and reported) until
 *   the object that needs it is fixed or removed.
 * - A new version that needs subsets only a rejected new version of a DestinationRule defines is
 *   not applied either; its previous version, if any, stays with the rule's previous version.
 *
 * Removing an object that nothing kept depends on still removes it.
 */
import type { MeshObject, ObjectOrigin, RejectedObject } from '../push/contract';
import type { DestinationRuleSpec } from '../push/istio-spec';
import { resolveHost } from '../push/host-names';
import { describeOrigin, IngestResult, objectKey } from './ingest';
import { cutForMessage } from '../model';
import { buildSemanticCheckContext, MissingSubset, missingSubsets } from './semantic-checks';

/** One object in effect and where it was defined. */
export interface ServedVersion {
  readonly object: MeshObject;
  readonly origin: ObjectOrigin;
}

/** A removal or edit not applied yet, because a kept version of another object needs what it takes away. */
export interface HeldBackChange {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Where the version that stays in effect was defined. */
  readonly origin: ObjectOrigin;
  readonly reason: string;
}

export interface ServedSet {
  readonly objects: MeshObject[];
  /** Every served object by `objectKey`: the next push's previous versions. */
  readonly inEffect: Map<string, ServedVersion>;
  readonly rejected: RejectedObject[];
  readonly heldBack: HeldBackChange[];
}

interface Entry extends ServedVersion {
  /** Accepted in this change (as opposed to a previous version kept). */
  readonly fresh: boolean;
}

export function servedSet(ingested: IngestResult, previous: ReadonlyMap<string, ServedVersion>, clusterDomain: string): ServedSet {
  const served = new Map<string, Entry>();
  for (const object of ingested.objects) served.set(objectKey(object), { object, origin: ingested.origins.get(object) ?? { source: 'unknown' }, fresh: true });
  const rejected = ingested.rejected.map((entry) => {
    const key = entry.name === undefined ? undefined : rejectedKey(entry);
    const kept = key === undefined ? undefined : previous.get(key);
    if (!kept || served.has(key!)) return entry;
    served.set(key!, { ...kept, fresh: false });
    return annotated(entry, 'the previously accepted version stays in effect until this is fixed');
  });
  const heldBack = new Map<string, HeldBackChange>();

  // Each round only replaces new versions by previous ones or adds previous ones, so it ends.
  for (let round = 0; round <= served.size + previous.size; round += 1) {
    const context = buildSemanticCheckContext([...served.values()].map((entry) => entry.object), clusterDomain);
    const dangling = [...served].map(([key, entry]) => ({ key, entry, missing: missingSubsets(entry.object, context) })).filter(({ missing }) => missing.length > 0);
    if (dangling.length === 0) break;
    for (const { key, entry, missing } of dangling) {
      if (entry.fresh) {
        const kept = previous.get(key);
        if (kept) served.set(key, { ...kept, fresh: false });
        else served.delete(key);
        rejected.push(notAppliedTogether(entry, missing, !!kept));
        continue;
      }
      const restored = restoreRules(missing, entry, previous, served, clusterDomain, heldBack);
      if (!restored) {
        served.delete(key);
        rejected.push(notAppliedTogether(entry, missing, false));
      }
    }
  }
  const inEffect = new Map([...served].map(([key, { object, origin }]) => [key, { object, origin }]));
  return { objects: [...served.values()].map((entry) => entry.object), inEffect, rejected, heldBack: [...heldBack.values()] };
}

/** Puts back the previous DestinationRules that defined what a kept object needs; false when none did. */
function restoreRules(
  missing: readonly MissingSubset[], needing: Entry, previous: ReadonlyMap<string, ServedVersion>, served: Map<string, Entry>,
  clusterDomain: string, heldBack: Map<string, HeldBackChange>,
): boolean {
  let restored = false;
  for (const [key, version] of previous) {
    if (version.object.kind !== 'DestinationRule' || served.get(key)?.object === version.object) continue;
    const spec = (version.object.spec ?? {}) as DestinationRuleSpec;
    if (!spec.host) continue;
    const host = resolveHost(spec.host, version.object.metadata.namespace ?? 'default', clusterDomain);
    const needed = missing.filter((entry) => entry.host === host && (spec.subsets ?? []).some((subset) => subset.name === entry.subset));
    if (needed.length === 0) continue;
    const change = served.has(key) ? 'Its edit' : 'Its removal';
    served.set(key, { ...version, fresh: false });
    restored = true;
    heldBack.set(key, {
      kind: 'DestinationRule', namespace: version.object.metadata.namespace, name: version.object.metadata.name, origin: version.origin,
      reason: `${change} is held back: the kept version of ${label(needing.object)} (${describeOrigin(needing.origin)}) routes to its subset${needed.length > 1 ? 's' : ''} `
        + `${[...new Set(needed.map((entry) => cutForMessage(entry.subset)))].join(', ')} of ${cutForMessage(host)}; it applies once that ${needing.object.kind} is fixed or no longer needs ${needed.length > 1 ? 'them' : 'it'}`,
    });
  }
  return restored;
}

function notAppliedTogether(entry: Entry, missing: readonly MissingSubset[], keptPrevious: boolean): RejectedObject {
  const subsets = missing.map(({ field, subset, host }) => `${field} names subset '${cutForMessage(subset)}' of ${cutForMessage(host)}`).join('; ');
  const outcome = keptPrevious ? 'its previously accepted version stays in effect' : 'it is not served';
  return {
    kind: entry.object.kind, namespace: entry.object.metadata.namespace, name: entry.object.metadata.name, origin: entry.origin,
    reasons: [`${label(entry.object)} (${describeOrigin(entry.origin)}): ${subsets}, which no served DestinationRule defines (the rule that defines it is rejected or removed); `
      + `${outcome}, so the proxies never get a route to a subset without a cluster; fix the DestinationRule`],
  };
}

function annotated(entry: RejectedObject, note: string): RejectedObject {
  return { ...entry, reasons: [...entry.reasons, note] };
}

function rejectedKey(entry: RejectedObject): string {
  return `${entry.kind}/${entry.namespace ?? 'default'}/${entry.name ?? ''}`;
}

function label(object: MeshObject): string {
  return `${object.kind} ${cutForMessage(object.metadata.namespace ?? 'default')}/${cutForMessage(object.metadata.name)}`;
}
