/** CDS: outbound service/subset clusters, inbound application clusters and the fallbacks. */
import type { XdsResource } from '../../push/contract';
import {
  buildBlackHoleCluster, buildInboundCluster, buildInboundPassthroughCluster, buildOutboundCluster, buildPassthroughCluster,
} from '../translate/clusters';
import type { ProxyView } from '../translate/proxy-view';
import { planOutboundClusters } from './cluster-plan';

export function generateClusters(view: ProxyView): XdsResource[] {
  const outbound = planOutboundClusters(view).map((plan) => buildOutboundCluster({
    service: plan.service,
    port: plan.port,
    subset: plan.subset,
    policy: plan.policy,
    policyField: plan.policyField,
    dnsEndpoints: plan.service.resolution === 'DNS' ? view.push.endpointsFor(plan.service, plan.port, plan.subsetLabels) : [],
    transportSocket: view.extensions.upstreamTransportSocket?.({
      push: view.push, proxy: view.proxy, service: plan.service, port: plan.port, subset: plan.subset, tls: plan.policy.tls,
    }),
  }));
  const inbound = view.inboundPorts.map((plan) => buildInboundCluster(plan.port, plan.endpoint));
  const fallbacks = [
    buildPassthroughCluster(),
    buildBlackHoleCluster(),
    ...(view.proxy.interceptionMode === 'REDIRECT' ? [buildInboundPassthroughCluster()] : []),
  ];
  const security = view.extensions.extraClusters?.(view.push, view.proxy) ?? [];
  return [...outbound, ...inbound, ...fallbacks, ...security]
    .map((cluster) => ({ name: cluster.name as string, resource: cluster }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
