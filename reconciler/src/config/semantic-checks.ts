/**
 * Checks across fields and objects that a CRD schema cannot express: regexes Envoy would refuse, VirtualService weights,
 * subsets a route names but no DestinationRule defines, duplicated subset names, chaos windows.
 */
import { parseChaosWindows } from '../push/chaos-window';
import type { MeshObject } from '../push/contract';
import { resolveHost } from '../push/host-names';
import type { DestinationRuleSpec, HttpRouteDestination, VirtualServiceSpec } from '../push/istio-spec';
import { regexProblems } from './regex-checks';

export interface SemanticCheckContext {
  readonly clusterDomain: string;
  /** Subset names by resolved host, from every DestinationRule in the input. */
  readonly subsetsByHost: ReadonlyMap<string, ReadonlySet<string>>;
}

export function buildSemanticCheckContext(objects: readonly MeshObject[], clusterDomain: string): SemanticCheckContext {
  const subsetsByHost = new Map<string, Set<string>>();
  for (const rule of objects.filter((object) => object.kind === 'DestinationRule')) {
    const spec = (rule.spec ?? {}) as DestinationRuleSpec;
    if (!spec.host) {
      continue;
    }
    const host = resolveHost(spec.host, rule.metadata.namespace ?? 'default', clusterDomain);
    const subsets = subsetsByHost.get(host) ?? new Set<string>();
    (spec.subsets ?? []).forEach((subset) => subsets.add(subset.name));
    subsetsByHost.set(host, subsets);
  }
  return { clusterDomain, subsetsByHost };
}

/** Problems with one object, each naming the field, the bad value and the fix; empty when sound. */
export function semanticProblems(object: MeshObject, context: SemanticCheckContext): string[] {
  switch (object.kind) {
    case 'VirtualService':
      return [...virtualServiceProblems(object, context), ...regexProblems(object)];
    case 'DestinationRule':
      return destinationRuleProblems(object);
    default:
      return regexProblems(object);
  }
}

function virtualServiceProblems(object: MeshObject, context: SemanticCheckContext): string[] {
  const spec = (object.spec ?? {}) as VirtualServiceSpec;
  const namespace = object.metadata.namespace ?? 'default';
  const problems: string[] = [];
  (spec.http ?? []).forEach((route, routeIndex) => {
    const path = `spec.http[${routeIndex}]`;
    problems.push(...weightProblems(route.route ?? [], `${path}.route`));
    const destinations = [
      ...(route.route ?? []).map((target, index) => ({ destination: target.destination, field: `${path}.route[${index}].destination` })),
      ...(route.mirror ? [{ destination: route.mirror, field: `${path}.mirror` }] : []),
    ];
    for (const { destination, field } of destinations) {
      if (!destination?.subset) {
        continue;
      }
      const host = resolveHost(destination.host, namespace, context.clusterDomain);
      const known = context.subsetsByHost.get(host);
      if (!known?.has(destination.subset)) {
        const defined = known && known.size > 0 ? `defined subsets are ${[...known].sort().join(', ')}` : 'no DestinationRule defines subsets for it';
        problems.push(`${field}.subset is '${destination.subset}' for host '${host}', but ${defined}; add the subset to the host's DestinationRule or route to an existing one`);
      }
    }
  });
  (spec.tcp ?? []).forEach((route, routeIndex) => problems.push(...weightProblems(route.route ?? [], `spec.tcp[${routeIndex}].route`)));
  const windows = parseChaosWindows(object);
  if (!windows.ok) {
    problems.push(...windows.problems);
  }
  return problems;
}

/** Istio: a single destination takes all traffic; several must have weights summing to 100. */
function weightProblems(destinations: readonly Pick<HttpRouteDestination, 'weight'>[], field: string): string[] {
  if (destinations.length < 2) {
    return [];
  }
  const total = destinations.reduce((sum, destination) => sum + (destination.weight ?? 0), 0);
  if (total === 100) {
    return [];
  }
  const weights = destinations.map((destination) => destination.weight ?? 0).join(' + ');
  return [`${field} weights sum to ${total} (${weights}); they must sum to 100`];
}

function destinationRuleProblems(object: MeshObject): string[] {
  const spec = (object.spec ?? {}) as DestinationRuleSpec;
  const seen = new Set<string>();
  const problems: string[] = [];
  (spec.subsets ?? []).forEach((subset, index) => {
    if (seen.has(subset.name)) {
      problems.push(`spec.subsets[${index}].name '${subset.name}' is already used by an earlier subset; subset names must be unique`);
    }
    seen.add(subset.name);
  });
  return problems;
}
