/**
 * Shrinks a differential case that disagrees to a smaller one that still disagrees: whole routes
 * first, then match blocks, destinations and optional fields, then single conditions, greedily,
 * until no smaller candidate disagrees or the trial budget is spent. What each candidate means is
 * asked of both control planes by the caller's `stillDisagrees`; this file only proposes.
 */
import type { DifferentialCase } from './differential-case';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** Keys without which a route means nothing or is refused: shrinking never removes them. */
const REQUIRED_KEYS = new Set(['destination', 'host']);
/** What a route does; one of them always stays. */
const ACTIONS = ['route', 'redirect', 'directResponse'];

export interface ShrinkResult {
  readonly shrunk: DifferentialCase;
  /** Candidates asked about, and how many of them still disagreed (each became the new smallest). */
  readonly trials: number;
  readonly accepted: number;
  /** True when the budget ran out before every candidate of the smallest case was tried. */
  readonly budgetSpent: boolean;
}

export interface ShrinkOptions {
  /** Most candidates to ask about. */
  readonly maxTrials: number;
}

/** Every removal the case's VirtualService routes allow, shallowest (largest) first. */
function removablePaths(value: Json, path: Path, out: Path[]): void {
  if (Array.isArray(value)) {
    // A list keeps at least one entry: an empty `match` or `route` is not smaller but different.
    if (value.length > 1) value.forEach((_entry, index) => out.push([...path, index]));
    value.forEach((entry, index) => removablePaths(entry, [...path, index], out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const onlyAction = ACTIONS.includes(key) && ACTIONS.every((action) => action === key || !(action in value));
    if (!REQUIRED_KEYS.has(key) && !onlyAction) out.push([...path, key]);
    removablePaths(child, [...path, key], out);
  }
}

function without(value: Json, path: Path): Json {
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const index = head as number;
    if (rest.length === 0) return value.filter((_entry, position) => position !== index);
    return value.map((entry, position) => (position === index ? without(entry, rest) : entry));
  }
  const record = value as { [key: string]: Json };
  if (rest.length === 0) return Object.fromEntries(Object.entries(record).filter(([key]) => key !== head));
  return { ...record, [head]: without(record[head as string], rest) };
}

/**
 * Weighted destinations that lost one still sum to 100 (Istio refuses other sums); a single one
 * drops its weight. Runs after every removal, so a candidate is always a valid route.
 */
function withConsistentWeights(http: Json): Json {
  if (!Array.isArray(http)) return http;
  return http.map((route) => {
    if (route === null || typeof route !== 'object' || Array.isArray(route) || !Array.isArray(route.route)) return route;
    const destinations = route.route as { [key: string]: Json }[];
    const weighted = destinations.filter((destination) => typeof destination.weight === 'number');
    if (weighted.length === 0) return route;
    if (destinations.length === 1) {
      const { weight: _weight, ...destination } = destinations[0];
      return { ...route, route: [destination] };
    }
    const total = weighted.reduce((sum, destination) => sum + (destination.weight as number), 0);
    if (total === 100) return route;
    const scaled = destinations.map((destination) => ({ ...destination, weight: Math.floor(((destination.weight as number) ?? 0) * 100 / total) }));
    scaled[0].weight = (scaled[0].weight as number) + 100 - scaled.reduce((sum, destination) => sum + (destination.weight as number), 0);
    return { ...route, route: scaled };
  });
}

/** Candidates one removal smaller than `testCase`, in the order they are tried. */
export function shrinkCandidates(testCase: DifferentialCase): DifferentialCase[] {
  const candidates: DifferentialCase[] = [];
  testCase.objects.forEach((object, objectIndex) => {
    if (object.kind !== 'VirtualService' || !Array.isArray(object.spec?.http)) return;
    const paths: Path[] = [];
    removablePaths(object.spec.http as Json, [], paths);
    paths.sort((a, b) => a.length - b.length);
    for (const path of paths) {
      const http = withConsistentWeights(without(object.spec.http as Json, path));
      const replaced: KubeObject = { ...object, spec: { ...object.spec, http } };
      candidates.push({ ...testCase, objects: testCase.objects.map((entry, index) => (index === objectIndex ? replaced : entry)) });
    }
  });
  return candidates;
}

/**
 * Greedy shrinking: the first candidate that still disagrees becomes the case, and its own
 * candidates are tried next. A candidate the control planes refuse or that times out counts as
 * not disagreeing (the caller's predicate returns false).
 */
export async function shrinkCase(
  testCase: DifferentialCase,
  stillDisagrees: (candidate: DifferentialCase) => Promise<boolean>,
  options: ShrinkOptions,
): Promise<ShrinkResult> {
  let current = testCase;
  let trials = 0;
  let accepted = 0;
  for (;;) {
    let smaller: DifferentialCase | undefined;
    for (const candidate of shrinkCandidates(current)) {
      if (trials >= options.maxTrials) return { shrunk: current, trials, accepted, budgetSpent: true };
      trials++;
      if (await stillDisagrees(candidate)) {
        smaller = candidate;
        break;
      }
    }
    if (!smaller) return { shrunk: current, trials, accepted, budgetSpent: false };
    current = smaller;
    accepted++;
  }
}
