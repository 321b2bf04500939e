/**
 * Feature constructs (canary, A/B tests, retries, circuit breakers, mTLS...) never write Istio
 * objects of a service directly: they contribute fragments, and the service merges them into its
 * one VirtualService and one DestinationRule. Each fragment carries the construct path of its
 * contributor, so two fragments that want the same field fail validation naming both.
 */
import { DestinationRuleSpecTrafficPolicy, VirtualServiceSpecHttp } from '../imports/istio-networking.istio.io';

/** Route ordering: the merged VirtualService lists higher priorities first. */
export const RoutePriority = {
  /** Routes matching on headers, URIs, etc. */
  MATCHED: 100,
  /** A route without a match (e.g. a weighted split), replacing the default route. */
  CATCH_ALL: 0,
} as const;

/** One HTTP route of the service's VirtualService. */
export interface RouteContribution {
  /** Construct path of the contributor. */
  readonly contributor: string;
  /** Higher first; see {@link RoutePriority}. */
  readonly priority: number;
  /**
   * The route; destinations name the service's subsets (versions). A route without `route`
   * sends its requests where the catch-all route sends them (e.g. a fault for some users that
   * keeps the canary split).
   */
  readonly http: VirtualServiceSpecHttp;
}

/** Fields applied to every HTTP route of the service (retries, timeout, fault, mirror...). */
export interface RoutePolicyContribution {
  readonly contributor: string;
  /** Route fields other than `match`, `route` and `name`. */
  readonly policy: VirtualServiceSpecHttp;
  /**
   * Only routes whose every destination is this subset (version) get the policy.
   * @default - every route
   */
  readonly subset?: string;
}

/** An annotation of the service's VirtualService, e.g. declared intent for the reconciler. */
export interface AnnotationContribution {
  readonly contributor: string;
  readonly key: string;
  /** Rendered as JSON; produced at synth time so it can name routes contributed later. */
  readonly value: () => unknown;
  /**
   * Whether several contributors may add to the key: each value is then an array and the
   * annotation is their concatenation in contribution order. Otherwise a second contributor is a
   * conflict.
   */
  readonly list: boolean;
}

/** A traffic policy fragment of the service's DestinationRule. */
export interface TrafficPolicyContribution {
  readonly contributor: string;
  /** Version (subset) it applies to. @default - the whole host */
  readonly subset?: string;
  readonly trafficPolicy: DestinationRuleSpecTrafficPolicy;
}

/** Stands in for the service's default route, which sends requests to no particular subset. */
const PLACEHOLDER_DEFAULT_ROUTE: VirtualServiceSpecHttp = { name: 'default', route: [{ destination: { host: '' } }] };

/** Fields that identify a route rather than configure it, so route policies may not set them. */
const ROUTE_IDENTITY_FIELDS = ['match', 'route', 'name'];

/** Collects the contributions to one service and merges them. */
export class ServiceContributions {
  private readonly routes: RouteContribution[] = [];
  private readonly routePolicies: RoutePolicyContribution[] = [];
  private readonly trafficPolicies: TrafficPolicyContribution[] = [];
  private readonly trafficPolicySources: (() => TrafficPolicyContribution[])[] = [];
  private readonly annotationContributions: AnnotationContribution[] = [];

  public addRoute(contribution: RouteContribution): void {
    this.routes.push(contribution);
  }

  public addRoutePolicy(contribution: RoutePolicyContribution): void {
    this.routePolicies.push(contribution);
  }

  public addTrafficPolicy(contribution: TrafficPolicyContribution): void {
    this.trafficPolicies.push(contribution);
  }

  /** Adds traffic policies produced at synth time (e.g. by mesh-wide policies declared later). */
  public addTrafficPolicySource(source: () => TrafficPolicyContribution[]): void {
    this.trafficPolicySources.push(source);
  }

  /** Adds an annotation; returns true for the first contribution to its key. */
  public addAnnotation(contribution: AnnotationContribution): boolean {
    const first = !this.annotationContributions.some(other => other.key === contribution.key);
    this.annotationContributions.push(contribution);
    return first;
  }

  /** The JSON value of an annotation, or undefined when nobody contributed it. */
  public annotation(key: string): string | undefined {
    const contributions = this.annotationContributions.filter(contribution => contribution.key === key);
    if (contributions.length === 0) {
      return undefined;
    }
    const values = contributions.map(contribution => contribution.value());
    return JSON.stringify(contributions[0].list ? values.flatMap(value => value as unknown[]) : values[0]);
  }

  /** Routes, most specific first; the default route is appended unless a route matches everything. */
  public httpRoutes(defaultRoute: VirtualServiceSpecHttp): VirtualServiceSpecHttp[] {
    const ordered = this.orderedRoutes().map(route => route.http);
    const catchAll = ordered.find(isCatchAll) ?? defaultRoute;
    const routes = ordered.some(isCatchAll) ? ordered : [...ordered, defaultRoute];
    return routes
      .map(route => route.route === undefined ? { ...route, route: catchAll.route } : route)
      .map(route => this.routePolicies.filter(policy => appliesTo(policy, route)).reduce<VirtualServiceSpecHttp>(
        (merged, policy) => deepMerge(merged, withoutIdentityFields(policy.policy)), route));
  }

  /** Names of the rendered routes a route policy applies to, in route order. */
  public routeNamesOf(policy: RoutePolicyContribution, defaultRoute: VirtualServiceSpecHttp): string[] {
    return this.httpRoutes(defaultRoute).filter(route => appliesTo(policy, route)).map(route => route.name ?? '');
  }

  /** The merged traffic policy of the host (no subset) or of one subset; undefined when nobody set one. */
  public trafficPolicy(subset?: string): DestinationRuleSpecTrafficPolicy | undefined {
    const fragments = this.allTrafficPolicies().filter(contribution => contribution.subset === subset);
    if (fragments.length === 0) {
      return undefined;
    }
    return fragments.reduce<DestinationRuleSpecTrafficPolicy>((merged, fragment) => deepMerge(merged, fragment.trafficPolicy), {});
  }

  /** Validation messages: overlapping fields, duplicate matches, unknown subsets. */
  public validate(subsets: readonly string[]): string[] {
    return [
      ...this.routeConflicts(),
      ...this.unreachableRoutes(),
      ...this.routeNameConflicts(),
      ...this.routePolicyConflicts(),
      ...this.trafficPolicyConflicts(),
      ...this.annotationConflicts(),
      ...this.unknownSubsets(subsets),
    ];
  }

  private allTrafficPolicies(): TrafficPolicyContribution[] {
    return [...this.trafficPolicies, ...this.trafficPolicySources.flatMap(source => source())];
  }

  private unreachableRoutes(): string[] {
    const ordered = this.orderedRoutes();
    const firstCatchAll = ordered.findIndex(route => isCatchAll(route.http));
    if (firstCatchAll < 0) {
      return [];
    }
    return ordered.slice(firstCatchAll + 1).filter(route => !isCatchAll(route.http)).map(route =>
      `route of ${quote(route.contributor)} comes after the catch-all route of ${quote(ordered[firstCatchAll].contributor)} `
      + 'and would never be reached. Give the catch-all route a match or remove the later route.');
  }

  private routeNameConflicts(): string[] {
    const byName = new Map<string, RouteContribution>();
    const messages: string[] = [];
    for (const route of this.routes.filter(r => r.http.name !== undefined)) {
      const earlier = byName.get(route.http.name!);
      if (earlier) {
        messages.push(`routes of ${quote(earlier.contributor)} and ${quote(route.contributor)} are both named "${route.http.name}"; `
          + 'route names must be unique in a VirtualService. Rename one of the constructs.');
      } else {
        byName.set(route.http.name!, route);
      }
    }
    return messages;
  }

  private annotationConflicts(): string[] {
    const messages: string[] = [];
    const byKey = new Map<string, AnnotationContribution>();
    for (const contribution of this.annotationContributions) {
      const earlier = byKey.get(contribution.key);
      if (earlier && !(earlier.list && contribution.list)) {
        messages.push(`annotation '${contribution.key}' is set by both ${quote(earlier.contributor)} and ${quote(contribution.contributor)}; `
          + 'only one construct may declare it. Remove one of them.');
      } else if (!earlier) {
        byKey.set(contribution.key, contribution);
      }
    }
    return messages;
  }

  private orderedRoutes(): RouteContribution[] {
    // Stable sort: equal priorities keep contribution order.
    return [...this.routes].sort((a, b) => b.priority - a.priority);
  }

  private routeConflicts(): string[] {
    const messages: string[] = [];
    const byMatch = new Map<string, RouteContribution>();
    for (const route of this.routes) {
      const key = canonicalJson(route.http.match ?? []);
      const earlier = byMatch.get(key);
      if (earlier) {
        messages.push(`routes of ${quote(earlier.contributor)} and ${quote(route.contributor)} have the same match ${key}; `
          + 'the second would never be reached. Give them different matches or remove one of them.');
      } else {
        byMatch.set(key, route);
      }
    }
    return messages;
  }

  private routePolicyConflicts(): string[] {
    const messages: string[] = [];
    const fieldsOf = (http: VirtualServiceSpecHttp) => withoutIdentityFields(http);
    this.routePolicies.forEach((policy, index) => {
      // Routes may set the same field as each other (they are different routes); a policy may not.
      const others = [
        ...this.routePolicies.slice(index + 1)
          .filter(other => policy.subset === undefined || other.subset === undefined || other.subset === policy.subset)
          .map(other => ({ contributor: other.contributor, fields: fieldsOf(other.policy) })),
        ...this.routes.filter(route => route.http.route === undefined ? policy.subset === undefined : appliesTo(policy, route.http))
          .map(route => ({ contributor: route.contributor, fields: fieldsOf(route.http) })),
      ];
      for (const other of others) {
        messages.push(...overlaps([{ contributor: policy.contributor, fields: fieldsOf(policy.policy) }, other], 1, 'http route field'));
      }
      if (policy.subset !== undefined && this.routeNamesOf(policy, PLACEHOLDER_DEFAULT_ROUTE).length === 0) {
        messages.push(`route policy of ${quote(policy.contributor)} is for version "${policy.subset}", but no route sends all its `
          + 'requests to that version, so it would apply to nothing. Apply it to the whole service, or add a route to that '
          + 'version only (e.g. an ABTest match rule).');
      }
    });
    return messages;
  }

  private trafficPolicyConflicts(): string[] {
    const all = this.allTrafficPolicies();
    const subsets = [...new Set(all.map(policy => policy.subset))];
    return subsets.flatMap(subset => {
      const fragments = all.filter(policy => policy.subset === subset)
        .map(policy => ({ contributor: policy.contributor, fields: policy.trafficPolicy }));
      const field = subset === undefined ? 'trafficPolicy field' : `trafficPolicy field of subset "${subset}"`;
      return overlaps(fragments, fragments.length, field);
    });
  }

  private unknownSubsets(subsets: readonly string[]): string[] {
    const known = new Set(subsets);
    const fix = `Known subsets (versions) are ${JSON.stringify([...known].sort())}; use one of them or add the version.`;
    const messages: string[] = [];
    for (const route of this.routes) {
      for (const destination of route.http.route ?? []) {
        const subset = destination.destination.subset;
        if (subset !== undefined && !known.has(subset)) {
          messages.push(`route of ${quote(route.contributor)}: 'subset' is "${subset}"; no such version. ${fix}`);
        }
      }
    }
    for (const policy of this.allTrafficPolicies()) {
      if (policy.subset !== undefined && !known.has(policy.subset)) {
        messages.push(`traffic policy of ${quote(policy.contributor)}: 'subset' is "${policy.subset}"; no such version. ${fix}`);
      }
    }
    for (const policy of this.routePolicies) {
      if (policy.subset !== undefined && !known.has(policy.subset)) {
        messages.push(`route policy of ${quote(policy.contributor)}: 'subset' is "${policy.subset}"; no such version. ${fix}`);
      }
    }
    return messages;
  }
}

/**
 * Pairs of sources that set the same leaf field (or a field and one of its parents). Only the
 * first `exclusiveCount` sources are checked against all others.
 */
function overlaps(sources: { contributor: string; fields: object }[], exclusiveCount: number, what: string): string[] {
  const leaves = sources.map(source => ({ contributor: source.contributor, paths: leafPaths(source.fields) }));
  const messages: string[] = [];
  for (let i = 0; i < exclusiveCount; i++) {
    for (let j = i + 1; j < leaves.length; j++) {
      const shared = leaves[i].paths.find(a => leaves[j].paths.some(b => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)));
      if (shared !== undefined) {
        messages.push(`${what} '${shared}' is set by both ${quote(leaves[i].contributor)} and ${quote(leaves[j].contributor)}; `
          + 'only one construct may configure it. Remove it from one of them.');
      }
    }
  }
  return messages;
}

/** Dotted paths of the leaves (non-object values, arrays included) of a plain object. */
function leafPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return isPlainObject(child) && Object.keys(child).length > 0 ? leafPaths(child, path) : child === undefined ? [] : [path];
  });
}

function withoutIdentityFields(http: VirtualServiceSpecHttp): VirtualServiceSpecHttp {
  return Object.fromEntries(Object.entries(http).filter(([key]) => !ROUTE_IDENTITY_FIELDS.includes(key)));
}

/** A policy for a subset applies to routes sending every request to that subset only. */
function appliesTo(policy: RoutePolicyContribution, route: VirtualServiceSpecHttp): boolean {
  const destinations = route.route ?? [];
  return policy.subset === undefined
    || (destinations.length > 0 && destinations.every(destination => destination.destination.subset === policy.subset));
}

function isCatchAll(http: VirtualServiceSpecHttp): boolean {
  return (http.match ?? []).length === 0;
}

function deepMerge<T extends object>(base: T, extra: T): T {
  const result = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(extra)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge<Record<string, unknown>>(current, value) : value;
  }
  return result as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys, so equal matches compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (isPlainObject(value)) {
    const entries = Object.keys(value).sort().filter(key => value[key] !== undefined)
      .map(key => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function quote(path: string): string {
  return `"${path}"`;
}
