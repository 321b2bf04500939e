/**
 * The DestinationRule traffic policy in effect for one cluster. Istio layers it field by field:
 * top-level → top-level port settings → subset → subset port settings; a later layer replaces a
 * whole field (e.g. all of `connectionPool`), it never merges inside it.
 */
import type { DestinationRuleSpec, PortTrafficPolicy, Subset, TrafficPolicy } from '../../push/istio-spec';

export type EffectivePolicy = Omit<PortTrafficPolicy, 'port'>;

const LAYERED_FIELDS = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'] as const;

export function effectiveTrafficPolicy(rule: DestinationRuleSpec | undefined, port: number, subsetName?: string): EffectivePolicy {
  if (!rule) {
    return {};
  }
  const subset = subsetName ? findSubset(rule, subsetName) : undefined;
  return [rule.trafficPolicy, subset?.trafficPolicy].reduce<EffectivePolicy>((policy, layer) => applyLayer(applyLayer(policy, layer), portLevel(layer, port)), {});
}

export function findSubset(rule: DestinationRuleSpec | undefined, subsetName: string): Subset | undefined {
  return rule?.subsets?.find((subset) => subset.name === subsetName);
}

function portLevel(policy: TrafficPolicy | undefined, port: number): PortTrafficPolicy | undefined {
  return policy?.portLevelSettings?.find((settings) => settings.port?.number === port);
}

function applyLayer(policy: EffectivePolicy, layer: EffectivePolicy | undefined): EffectivePolicy {
  if (!layer) {
    return policy;
  }
  const next: Record<string, unknown> = { ...policy };
  for (const field of LAYERED_FIELDS) {
    if (layer[field] !== undefined) {
      next[field] = layer[field];
    }
  }
  return next as EffectivePolicy;
}
