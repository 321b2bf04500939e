/** The outbound clusters of a proxy, shared by CDS (the clusters) and EDS (their endpoints). */
import type { ServicePort, MeshService } from '../../push/service-model';
import { outboundClusterName } from '../naming';
import type { ProxyView } from '../translate/proxy-view';
import { EffectivePolicy, effectiveTrafficPolicy } from '../translate/traffic-policy';

export interface OutboundClusterPlan {
  readonly name: string;
  readonly service: MeshService;
  readonly port: ServicePort;
  readonly subset?: string;
  readonly subsetLabels?: Readonly<Record<string, string>>;
  readonly policy: EffectivePolicy;
  /** `DestinationRule <ns>/<name>`, or the service when no rule applies; for error messages. */
  readonly policyField: string;
  /** `<ns>/<name>` of the DestinationRule in effect, '' for none: with the name, it decides the cluster. */
  readonly ruleKey: string;
}

/** One cluster per visible service port, plus one per DestinationRule subset, sorted by name. */
export function planOutboundClusters(view: ProxyView): OutboundClusterPlan[] {
  const plans: OutboundClusterPlan[] = [];
  for (const service of view.services) {
    const rule = view.push.destinationRuleFor(service.hostname, view.proxy);
    const policyField = rule ? `DestinationRule ${rule.namespace}/${rule.name} spec` : service.hostname;
    const ruleKey = rule ? `${rule.namespace}/${rule.name}` : '';
    for (const port of service.ports) {
      plans.push({
        name: outboundClusterName(port.number, undefined, service.hostname),
        service,
        port,
        policy: effectiveTrafficPolicy(rule?.spec, port.number),
        policyField: `${policyField}.trafficPolicy`,
        ruleKey,
      });
      (rule?.spec.subsets ?? []).forEach((subset, index) => plans.push({
        name: outboundClusterName(port.number, subset.name, service.hostname),
        service,
        port,
        subset: subset.name,
        subsetLabels: subset.labels ?? {},
        policy: effectiveTrafficPolicy(rule?.spec, port.number, subset.name),
        policyField: `${policyField}.subsets[${index}].trafficPolicy`,
        ruleKey,
      }));
    }
  }
  return plans.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
