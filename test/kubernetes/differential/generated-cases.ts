/**
 * Generated VirtualServices (fast-check, seeded) over one `gen-<n>` service with subsets v1–v3:
 * random route order, URI/header/query/method/authority matches of every kind (and ignoreUriCase),
 * single and weighted destinations, rewrites, redirects, header rules, aborts, delays, retries and
 * mirrors. Each comes with requests derived
 * from its matches (one that satisfies each match block, one that misses it by one condition) and
 * requests that fail at the backend, so retries show.
 */
import * as fc from 'fast-check';
import type { DifferentialCase, RequestClass } from './differential-case';
import { BACKEND_STATUS_HEADER } from './echo-backends';
import { GENERATED_VERSIONS, hostOf, MESH_NAMESPACE } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

type StringMatch = { exact: string } | { prefix: string } | { regex: string };

/** Authority matches, resolved against the case's service: its short name, its namespace-qualified name, or `gen-*`. */
type AuthorityMatch = 'short' | 'qualified' | 'prefix';

interface GeneratedMatch {
  readonly uri?: StringMatch;
  readonly ignoreUriCase?: boolean;
  readonly authority?: AuthorityMatch;
  readonly headers?: Record<string, StringMatch>;
  readonly queryParams?: Record<string, { exact: string } | { regex: string }>;
  readonly method?: { exact: string };
  /** Conditions the request must not meet, on `x-case-block` (a value, or `regex: "*"`: present at all). */
  readonly withoutHeaders?: Record<string, StringMatch>;
}

/** RE2 patterns with a value each fully matches and one it does not. */
const URI_REGEXES = [
  { regex: '/r[0-9]+', hit: '/r42', miss: '/r42x' },
  { regex: '/(a|b)/.*', hit: '/b/deep/path', miss: '/c/deep' },
  { regex: '/[a-z]{3}', hit: '/abc', miss: '/abcd' },
] as const;
const VALUE_REGEXES = [
  { regex: 'v[0-9]+', hit: 'v7', miss: 'x7' },
  { regex: '(alpha|beta)', hit: 'beta', miss: 'gamma' },
] as const;
const WORDS = ['alpha', 'beta', 'one', 'two'] as const;
const HEADER_NAMES = ['x-case-user', 'x-case-group'] as const;
/** Istio's `regex: "*"` on a header: present, with any value. */
const PRESENT: StringMatch = { regex: '*' };
const BLOCKING_HEADER = 'x-case-block';

const uriMatch = fc.oneof(
  fc.constantFrom(...WORDS).map((word): StringMatch => ({ exact: `/${word}` })),
  fc.constantFrom(...WORDS).map((word): StringMatch => ({ prefix: `/${word}` })),
  fc.constantFrom(...URI_REGEXES).map((entry): StringMatch => ({ regex: entry.regex })),
);
const valueMatch = fc.oneof(
  fc.constantFrom(...WORDS).map((word): StringMatch => ({ exact: word })),
  fc.constantFrom(...WORDS).map((word): StringMatch => ({ prefix: word.slice(0, 2) })),
  fc.constantFrom(...VALUE_REGEXES).map((entry): StringMatch => ({ regex: entry.regex })),
);
const headerMatch = fc.oneof({ weight: 6, arbitrary: valueMatch }, { weight: 1, arbitrary: fc.constant(PRESENT) });

const matchBlock: fc.Arbitrary<GeneratedMatch> = fc.record({
  uri: fc.option(uriMatch, { nil: undefined }),
  headers: fc.option(fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerMatch, { minKeys: 1, maxKeys: 2 }), { nil: undefined }),
  withoutHeaders: fc.option(fc.constantFrom<StringMatch>({ exact: 'yes' }, PRESENT).map((match) => ({ [BLOCKING_HEADER]: match })), { nil: undefined, freq: 4 }),
  queryParams: fc.option(fc.record({
    mode: fc.oneof(
      fc.constantFrom(...WORDS).map((word) => ({ exact: word })),
      fc.constantFrom(...VALUE_REGEXES).map((entry) => ({ regex: entry.regex })),
    ),
  }), { nil: undefined }),
  method: fc.option(fc.constantFrom('GET', 'POST').map((method) => ({ exact: method })), { nil: undefined }),
  ignoreUriCase: fc.option(fc.constant(true), { nil: undefined, freq: 3 }),
  authority: fc.option(fc.constantFrom<AuthorityMatch>('short', 'qualified', 'prefix'), { nil: undefined, freq: 3 }),
}, { requiredKeys: [] })
  .map((block) => Object.fromEntries(Object.entries(block).filter(([, value]) => value !== undefined)) as GeneratedMatch)
  // Istio ignores the case of exact and prefix URI matches only.
  .map((block) => (block.ignoreUriCase && (!block.uri || 'regex' in block.uri) ? { ...block, ignoreUriCase: undefined } : block));

/** Weights in tens, summing to 100, over two or three distinct subsets. */
const weightedDestinations = fc.shuffledSubarray([...GENERATED_VERSIONS], { minLength: 2, maxLength: 3 }).chain((subsets) =>
  fc.array(fc.integer({ min: 1, max: 8 }), { minLength: subsets.length, maxLength: subsets.length }).map((parts) => {
    const total = parts.reduce((sum, part) => sum + part, 0);
    const weights = parts.map((part) => Math.floor((part / total) * 10) * 10);
    weights[0] += 100 - weights.reduce((sum, weight) => sum + weight, 0);
    return subsets.map((subset, index) => ({ subset, weight: weights[index] })).filter((entry) => entry.weight > 0);
  }));

interface GeneratedRoute {
  readonly match: readonly GeneratedMatch[];
  readonly destinations: readonly { subset: string; weight?: number }[];
  readonly redirect?: { uri?: string; authority?: string; redirectCode?: number };
  readonly rewrite?: { uri: string };
  readonly abort?: { httpStatus: number; percentage: number };
  readonly retries?: { attempts: number; retryOn: string };
  readonly headerRules?: boolean;
  readonly delay?: boolean;
  readonly mirror?: string;
}

/** `arbitrary`'s value in about one of `oneIn` draws, otherwise nothing. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

const route: fc.Arbitrary<GeneratedRoute> = fc.record({
  match: fc.array(matchBlock, { minLength: 1, maxLength: 2 }),
  destinations: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...GENERATED_VERSIONS).map((subset) => [{ subset }]) },
    { weight: 1, arbitrary: weightedDestinations },
  ),
  redirect: sometimes(fc.oneof(
    fc.record({ uri: fc.constant('/moved') }),
    fc.record({ authority: fc.constant('elsewhere.example'), redirectCode: fc.constantFrom(301, 302, 307) }),
  ), 8),
  rewrite: sometimes(fc.record({ uri: fc.constantFrom('/rewritten', '/') }), 4),
  abort: sometimes(fc.record({ httpStatus: fc.constantFrom(418, 503), percentage: fc.constantFrom(100, 50) }), 6),
  retries: sometimes(fc.record({ attempts: fc.integer({ min: 0, max: 3 }), retryOn: fc.constantFrom('5xx', 'gateway-error', 'retriable-status-codes,503') }), 3),
  headerRules: fc.boolean(),
  delay: sometimes(fc.constant(true), 8),
  mirror: sometimes(fc.constantFrom(...GENERATED_VERSIONS), 6),
}, { requiredKeys: ['match', 'destinations', 'headerRules'] });

/** One to four routes; in about half the cases the last one matches everything, as most VirtualServices end. */
export const generatedRoutes = fc.tuple(fc.array(route, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([routes, catchAll]) => (catchAll ? [...routes.slice(0, -1), { ...routes[routes.length - 1], match: [] }] : routes));

/** The authority a match names, or a request that satisfies it, for `service`. */
function authorityOf(kind: AuthorityMatch, service: string): { match: StringMatch; hit: string; miss?: string } {
  if (kind === 'short') return { match: { exact: service }, hit: service, miss: hostOf(service) };
  if (kind === 'qualified') return { match: { exact: `${service}.${MESH_NAMESPACE}` }, hit: `${service}.${MESH_NAMESPACE}`, miss: service };
  return { match: { prefix: 'gen-' }, hit: hostOf(service) };
}

/** Delayed requests take this long; others answer far below `DELAYED_FROM_MS`, even on a loaded machine. */
const FAULT_DELAY = '1s';
const DELAYED_FROM_MS = 700;

function virtualServiceSpec(service: string, routes: readonly GeneratedRoute[]): Record<string, unknown> {
  const host = hostOf(service);
  return {
    hosts: [host],
    http: routes.map((entry) => {
      const http: Record<string, unknown> = {};
      if (entry.match.length > 0) {
        http.match = entry.match.map(({ authority, ...block }) => ({
          ...block,
          ...(authority ? { authority: authorityOf(authority, service).match } : {}),
        }));
      }
      if (entry.redirect) {
        http.redirect = entry.redirect;
        return http;
      }
      http.route = entry.destinations.map((destination) => ({
        destination: { host, subset: destination.subset },
        ...(destination.weight !== undefined ? { weight: destination.weight } : {}),
      }));
      if (entry.rewrite) http.rewrite = entry.rewrite;
      const fault: Record<string, unknown> = {};
      if (entry.abort) fault.abort = { httpStatus: entry.abort.httpStatus, percentage: { value: entry.abort.percentage } };
      if (entry.delay) fault.delay = { fixedDelay: FAULT_DELAY, percentage: { value: 100 } };
      if (Object.keys(fault).length > 0) http.fault = fault;
      // A copy to a subset that also answers could not be told from the answer (istiod keeps the authority).
      if (entry.mirror && !entry.destinations.some((destination) => destination.subset === entry.mirror)) {
        http.mirror = { host, subset: entry.mirror };
      }
      if (entry.retries) http.retries = entry.retries;
      if (entry.headerRules) http.headers = { request: { set: { 'x-case-rule': 'set' } }, response: { add: { 'x-case-reply': 'added' } } };
      return http;
    }),
  };
}

const sampleOf = (match: StringMatch, regexes: readonly { regex: string; hit: string; miss: string }[], kind: 'hit' | 'miss'): string => {
  if ('regex' in match && match.regex === PRESENT.regex) return 'anything';
  if ('exact' in match) return kind === 'hit' ? match.exact : `${match.exact}x`;
  // A miss of a URI prefix must still be a path.
  if ('prefix' in match) return kind === 'hit' ? `${match.prefix}zz` : match.prefix.startsWith('/') ? `/q${match.prefix.slice(1)}` : `q${match.prefix}`;
  const entry = regexes.find((candidate) => candidate.regex === match.regex)!;
  return entry[kind];
};

interface RequestParts {
  path: string;
  authority?: string;
  query?: string;
  method?: string;
  headers: Record<string, string>;
}

/** A request that satisfies `block`, or that misses it in condition `miss` only. */
function requestFor(block: GeneratedMatch, service: string, miss?: string): RequestParts {
  const parts: RequestParts = { path: block.uri ? sampleOf(block.uri, URI_REGEXES, miss === 'uri' ? 'miss' : 'hit') : '/any', headers: {} };
  if (miss === 'uri case') parts.path = parts.path.toUpperCase();
  if (block.authority) {
    const authority = authorityOf(block.authority, service);
    parts.authority = miss === 'authority' ? authority.miss : authority.hit;
  }
  for (const [name, match] of Object.entries(block.headers ?? {})) {
    if (miss !== name) parts.headers[name] = sampleOf(match, VALUE_REGEXES, 'hit');
  }
  // A request that must not carry the blocking header meets the condition without it; a miss sends it.
  if (block.withoutHeaders && miss === 'without') parts.headers[BLOCKING_HEADER] = 'yes';
  if (block.withoutHeaders && miss === 'without, another value') parts.headers[BLOCKING_HEADER] = 'no';
  const mode = block.queryParams?.mode;
  if (mode) parts.query = `mode=${encodeURIComponent(sampleOf(mode, VALUE_REGEXES, miss === 'query' ? 'miss' : 'hit'))}`;
  if (block.method) parts.method = miss === 'method' ? (block.method.exact === 'GET' ? 'POST' : 'GET') : block.method.exact;
  return parts;
}

function conditionsOf(block: GeneratedMatch): string[] {
  return [
    ...(block.uri ? ['uri'] : []), ...Object.keys(block.headers ?? {}), ...(block.queryParams ? ['query'] : []), ...(block.method ? ['method'] : []),
    ...(block.withoutHeaders ? ['without'] : []),
    ...(block.authority && block.authority !== 'prefix' ? ['authority'] : []),
  ];
}

export function generatedCase(caseId: string, service: string, routes: readonly GeneratedRoute[]): DifferentialCase {
  const host = hostOf(service);
  const varies = routes.some((entry) => entry.destinations.length > 1 || entry.abort?.percentage === 50);
  const repeat = varies ? 100 : 2;
  // A delay is judged per request; a case that also needs shares of 100 requests keeps its delay off.
  const delays = !varies && routes.some((entry) => entry.delay);
  const effective = delays ? routes : routes.map(({ delay: _delay, ...entry }) => entry);
  const requests: RequestClass[] = [];
  const add = (name: string, parts: RequestParts) => {
    requests.push({
      name,
      request: {
        method: parts.method,
        path: parts.query ? `${parts.path}?${parts.query}` : parts.path,
        authority: parts.authority ?? host,
        headers: parts.headers,
        ...(delays ? { delayedFromMs: DELAYED_FROM_MS } : {}),
      },
      repeat,
    });
  };
  effective.forEach((entry, routeIndex) => entry.match.forEach((block, blockIndex) => {
    add(`route ${routeIndex} match ${blockIndex}`, requestFor(block, service));
    if (block.uri && !('regex' in block.uri)) add(`route ${routeIndex} match ${blockIndex} in upper case`, requestFor(block, service, 'uri case'));
    const conditions = conditionsOf(block);
    // Each block misses a different one of its conditions, so every kind of condition gets missed somewhere.
    const missed = conditions[(routeIndex + blockIndex) % Math.max(conditions.length, 1)];
    if (missed) add(`route ${routeIndex} match ${blockIndex} missing ${missed}`, requestFor(block, service, missed));
    // Another value of the blocking header meets `exact: yes` but not presence.
    if (block.withoutHeaders) add(`route ${routeIndex} match ${blockIndex} blocking header with another value`, requestFor(block, service, 'without, another value'));
  }));
  add('plain', { path: '/', headers: {} });
  add('plain, backend fails', { path: '/', headers: { [BACKEND_STATUS_HEADER]: '503' } });
  add('plain, backend answers 502', { path: '/zz', headers: { [BACKEND_STATUS_HEADER]: '502' } });
  const virtualService: KubeObject = {
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: service, namespace: MESH_NAMESPACE }, spec: virtualServiceSpec(service, effective),
  };
  return { id: caseId, description: `generated routes for ${service}`, objects: [virtualService], requests };
}

/** `count` generated cases from `seed`, case i on service `gen-<i mod services>`. */
export function generatedCases(seed: number, count: number, services: number): DifferentialCase[] {
  const samples = fc.sample(generatedRoutes, { seed, numRuns: count });
  return samples.map((routes, index) => generatedCase(`generated-${seed}-${index}`, `gen-${index % services}`, routes));
}
