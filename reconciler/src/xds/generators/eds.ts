/**
 * EDS: a ClusterLoadAssignment for every EDS cluster, selected by service selector and subset
 * labels. Shared between proxies like the clusters they belong to.
 */
import type { XdsResource } from '../../push/contract';
import { loadAssignment, usesEds } from '../translate/clusters';
import type { ProxyView } from '../translate/proxy-view';
import { OutboundClusterPlan, planOutboundClusters } from './cluster-plan';

export function generateEndpoints(view: ProxyView): XdsResource[] {
  const key = JSON.stringify(['eds', view.shared.routingScope(view.proxy), view.shared.servicesKey(view.services)]);
  return view.shared.memo(key, () => planOutboundClusters(view)
    .filter((plan) => usesEds(plan.service, plan.policy))
    .map((plan) => assignment(view, plan)));
}

function assignment(view: ProxyView, plan: OutboundClusterPlan): XdsResource {
  return view.shared.memo(JSON.stringify(['assignment', plan.name, plan.ruleKey]), () => {
    const endpoints = view.push.endpointsFor(plan.service, plan.port, plan.subsetLabels)
      .map((endpoint) => ({ address: endpoint.instance.address, port: endpoint.port, weight: endpoint.instance.weight }));
    return { name: plan.name, resource: loadAssignment(plan.name, endpoints) };
  });
}
