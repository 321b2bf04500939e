/**
 * Checks across fields and objects that a CRD schema cannot express: regexes Envoy would refuse, VirtualService weights,
 * subsets a route names but no DestinationRule defines, duplicated subset names, MUTUAL TLS without a client certificate,
 * Sidecar listener ports, chaos windows, rollout plans.
 */
import { parseChaosWindows } from '../push/chaos-window';
import type { MeshObject } from '../push/contract';
import { resolveHost } from '../push/host-names';
import type { DestinationRuleSpec, HttpRouteDestination, SidecarSpec, VirtualServiceSpec } from '../push/istio-spec';
import { cutForMessage } from '../model';
import { regexProblems } from './regex-checks';
import { declaredRollout } from '../rollout/declared-rollout';

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
    case 'Sidecar':
      return [...sidecarProblems(object), ...regexProblems(object)];
    default:
      return regexProblems(object);
  }
}

/** A subset a VirtualService routes or mirrors to that no DestinationRule of the set defines. */
export interface MissingSubset {
  readonly host: string;
  readonly subset: string;
  readonly field: string;
}

/** The subsets an object names that the DestinationRules of `context` do not define. */
export function missingSubsets(object: MeshObject, context: SemanticCheckContext): MissingSubset[] {
  if (object.kind !== 'VirtualService') return [];
  const spec = (object.spec ?? {}) as VirtualServiceSpec;
  const namespace = object.metadata.namespace ?? 'default';
  const missing: MissingSubset[] = [];
  (spec.http ?? []).forEach((route, routeIndex) => {
    const path = `spec.http[${routeIndex}]`;
    const destinations = [
      ...(route.route ?? []).map((target, index) => ({ destination: target.destination, field: `${path}.route[${index}].destination` })),
      ...(route.mirror ? [{ destination: route.mirror, field: `${path}.mirror` }] : []),
    ];
    for (const { destination, field } of destinations) {
      if (!destination?.subset) {
        continue;
      }
      const host = resolveHost(destination.host, namespace, context.clusterDomain);
      if (!context.subsetsByHost.get(host)?.has(destination.subset)) missing.push({ host, subset: destination.subset, field });
    }
  });
  return missing;
}

function virtualServiceProblems(object: MeshObject, context: SemanticCheckContext): string[] {
  const spec = (object.spec ?? {}) as VirtualServiceSpec;
  const problems: string[] = [];
  (spec.http ?? []).forEach((route, routeIndex) => problems.push(...weightProblems(route.route ?? [], `spec.http[${routeIndex}].route`)));
  for (const { host, subset, field } of missingSubsets(object, context)) {
    const known = context.subsetsByHost.get(host);
    const defined = known && known.size > 0 ? `defined subsets are ${[...known].sort().map(cutForMessage).join(', ')}` : 'no DestinationRule defines subsets for it';
    problems.push(`${field}.subset is '${cutForMessage(subset)}' for host '${cutForMessage(host)}', but ${defined}; add the subset to the host's DestinationRule or route to an existing one`);
  }
  (spec.tcp ?? []).forEach((route, routeIndex) => problems.push(...weightProblems(route.route ?? [], `spec.tcp[${routeIndex}].route`)));
  const windows = parseChaosWindows(object);
  if (!windows.ok) {
    problems.push(...windows.problems);
  }
  const rollout = declaredRollout(object);
  if (!rollout.ok) problems.push(...rollout.problems);
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
      problems.push(`spec.subsets[${index}].name '${cutForMessage(String(subset.name))}' is already used by an earlier subset; subset names must be unique`);
    }
    seen.add(subset.name);
  });
  problems.push(...trafficPolicyLocations(spec).flatMap(({ policy, field }) => mutualTlsProblems(policy?.tls, `${field}.tls`)));
  return problems;
}

type DestinationTrafficPolicy = NonNullable<DestinationRuleSpec['trafficPolicy']>;

/** Every traffic policy a DestinationRule holds, with its field path. */
function trafficPolicyLocations(spec: DestinationRuleSpec): { policy: Pick<DestinationTrafficPolicy, 'tls'> | undefined; field: string }[] {
  const withPorts = (policy: DestinationTrafficPolicy | undefined, field: string) => [
    { policy, field },
    ...(policy?.portLevelSettings ?? []).map((entry, index) => ({ policy: entry, field: `${field}.portLevelSettings[${index}]` })),
  ];
  return [
    ...withPorts(spec.trafficPolicy, 'spec.trafficPolicy'),
    ...(spec.subsets ?? []).flatMap((subset, index) => withPorts(subset.trafficPolicy, `spec.subsets[${index}].trafficPolicy`)),
  ];
}

/** As Istio validates: MUTUAL needs the client's certificate and key, as files or from a credential. */
function mutualTlsProblems(tls: DestinationTrafficPolicy['tls'], field: string): string[] {
  if (tls?.mode !== 'MUTUAL' || tls.credentialName) return [];
  const missing = [tls.clientCertificate ? undefined : 'clientCertificate', tls.privateKey ? undefined : 'privateKey'].filter(Boolean);
  return missing.length === 0 ? [] : [`${field} has mode MUTUAL without ${missing.join(' and ')}; `
    + 'set the client certificate and key files the sidecar presents, or use mode SIMPLE to verify the server only'];
}

/** Istio rejects a Sidecar listener whose port has no number; the CRD schema requires only the port object. */
function sidecarProblems(object: MeshObject): string[] {
  const spec = (object.spec ?? {}) as SidecarSpec;
  const problems: string[] = [];
  (spec.ingress ?? []).forEach((listener, index) => {
    if (listener.port.number === undefined) {
      problems.push(`spec.ingress[${index}].port has no number (${cutForMessage(JSON.stringify(listener.port))}); an ingress listener needs the port it listens on, e.g. port: { number: 9080, protocol: HTTP, name: http }`);
    }
  });
  (spec.egress ?? []).forEach((listener, index) => {
    if (listener.port && listener.port.number === undefined) {
      problems.push(`spec.egress[${index}].port has no number (${cutForMessage(JSON.stringify(listener.port))}); give the port its number, or leave the port out to cover every port of the listed hosts`);
    }
  });
  return problems;
}
