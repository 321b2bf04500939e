/**
 * The DestinationRule traffic policy in effect for one cluster, with Istio's precedence:
 * - a `portLevelSettings` entry for the cluster's port replaces its policy as a whole: a field the
 *   entry omits takes Envoy's and Istio's default, not the destination-level value (Istio's
 *   documented rule, confirmed against istiod by the differential suite);
 * - a subset's policy (after its own port-level entry) then replaces the destination's field by
 *   field, and all fields when the subset has an entry for the port.
 * A field is replaced whole (e.g. all of `connectionPool`), never merged inside.
 */
import type { DestinationRuleSpec, PortTrafficPolicy, Subset, TrafficPolicy } from '../../push/istio-spec';

export type EffectivePolicy = Omit<PortTrafficPolicy, 'port'>;

const LAYERED_FIELDS = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'] as const;

export function effectiveTrafficPolicy(rule: DestinationRuleSpec | undefined, port: number, subsetName?: string): EffectivePolicy {
  if (!rule) {
    return {};
  }
  const destination = atPort(rule.trafficPolicy, port).policy;
  const subset = subsetName ? findSubset(rule, subsetName) : undefined;
  if (!subset?.trafficPolicy) {
    return destination;
  }
  const own = atPort(subset.trafficPolicy, port);
  const merged: Record<string, unknown> = { ...destination };
  for (const field of LAYERED_FIELDS) {
    if (own.policy[field] !== undefined || own.portLevel) {
      merged[field] = own.policy[field];
    }
  }
  return withoutUnset(merged as EffectivePolicy);
}

export function findSubset(rule: DestinationRuleSpec | undefined, subsetName: string): Subset | undefined {
  return rule?.subsets?.find((subset) => subset.name === subsetName);
}

/** The layered fields of `policy` for `port`: its port-level entry's when it has one, its own otherwise. */
function atPort(policy: TrafficPolicy | undefined, port: number): { policy: EffectivePolicy; portLevel: boolean } {
  const settings = policy?.portLevelSettings?.find((entry) => entry.port?.number === port);
  return { policy: layeredFields(settings ?? policy), portLevel: settings !== undefined };
}

function layeredFields(policy: EffectivePolicy | undefined): EffectivePolicy {
  const fields: Record<string, unknown> = {};
  for (const field of LAYERED_FIELDS) {
    if (policy?.[field] !== undefined) {
      fields[field] = policy[field];
    }
  }
  return fields as EffectivePolicy;
}

function withoutUnset(policy: EffectivePolicy): EffectivePolicy {
  return Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined)) as EffectivePolicy;
}
