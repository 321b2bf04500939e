/** EDS: a ClusterLoadAssignment for every EDS cluster, selected by service selector and subset labels. */
import type { XdsResource } from '../../push/contract';
import { loadAssignment, usesEds } from '../translate/clusters';
import type { ProxyView } from '../translate/proxy-view';
import { planOutboundClusters } from './cluster-plan';

export function generateEndpoints(view: ProxyView): XdsResource[] {
  return planOutboundClusters(view)
    .filter((plan) => usesEds(plan.service, plan.policy))
    .map((plan) => {
      const endpoints = view.push.endpointsFor(plan.service, plan.port, plan.subsetLabels)
        .map((endpoint) => ({ address: endpoint.instance.address, port: endpoint.port, weight: endpoint.instance.weight }));
      return { name: plan.name, resource: loadAssignment(plan.name, endpoints) };
    });
}
