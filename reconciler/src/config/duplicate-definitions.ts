/**
 * Two definitions of one kind/namespace/name: the version already in effect stays in effect, and
 * the newcomer is rejected, whichever file sorts first, so a stray file cannot take over live
 * traffic. With no version in effect (a cold start, or the defining file no longer defines it)
 * every definition is rejected: there is no telling which one is meant, and serving none of them
 * is the outcome a user can predict.
 */
import type { ObjectOrigin } from '../push/contract';

export interface Definition {
  /** `kind/namespace/name`. */
  readonly key: string;
  readonly origin: ObjectOrigin;
}

/** The rejection reason of every definition that loses, by definition. */
export function rejectedDuplicates<D extends Definition>(
  definitions: readonly D[], inEffect: ReadonlyMap<string, ObjectOrigin>, describe: (origin: ObjectOrigin) => string,
): Map<D, string> {
  const byKey = new Map<string, D[]>();
  for (const definition of definitions) {
    const same = byKey.get(definition.key) ?? [];
    same.push(definition);
    byKey.set(definition.key, same);
  }
  const rejected = new Map<D, string>();
  for (const [key, same] of byKey) {
    if (same.length < 2) continue;
    const effectiveSource = inEffect.get(key)?.source;
    const incumbent = effectiveSource === undefined ? undefined : same.find((definition) => definition.origin.source === effectiveSource);
    for (const definition of same) {
      if (definition === incumbent) continue;
      rejected.set(definition, incumbent
        ? `is already defined in ${describe(incumbent.origin)}, which is in effect; this other definition is rejected so it cannot take over; remove it or give it another name`
        : `is defined ${same.length} times (${same.map((each) => describe(each.origin)).join(', ')}) and no version of it is in effect, so none is served; keep one definition`);
    }
  }
  return rejected;
}
