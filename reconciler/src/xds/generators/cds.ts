/**
 * CDS: outbound service/subset clusters, inbound application clusters and the fallbacks. Each
 * outbound cluster is decided by its name and the DestinationRule in effect, and the whole list by
 * the proxy's routing scope, visible services, inbound ports and security clusters; both are
 * shared between proxies within a push.
 */
import type { XdsResource } from '../../push/contract';
import { resolvedByDns } from '../../push/service-model';
import { canonicalJson } from '../codec';
import {
  buildBlackHoleCluster, buildInboundCluster, buildInboundPassthroughCluster, buildOutboundCluster, buildPassthroughCluster,
} from '../translate/clusters';
import type { ProxyView } from '../translate/proxy-view';
import { OutboundClusterPlan, planOutboundClusters } from './cluster-plan';

export function generateClusters(view: ProxyView): XdsResource[] {
  const security = view.extensions.extraClusters?.(view.push, view.proxy) ?? [];
  const key = JSON.stringify(['cds', view.shared.routingScope(view.proxy), view.shared.servicesKey(view.services), view.inboundPorts, canonicalJson(security)]);
  return view.shared.memo(key, () => {
    const outbound = planOutboundClusters(view).map((plan) => outboundCluster(view, plan));
    const others = [
      ...view.inboundPorts.map((plan) => buildInboundCluster(plan.port, plan.endpoint)),
      buildPassthroughCluster(),
      buildBlackHoleCluster(),
      ...(view.proxy.interceptionMode === 'REDIRECT' ? [buildInboundPassthroughCluster()] : []),
      ...security,
    ].map((cluster) => ({ name: cluster.name as string, resource: cluster }));
    return [...outbound, ...others].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
}

function outboundCluster(view: ProxyView, plan: OutboundClusterPlan): XdsResource {
  return view.shared.memo(JSON.stringify(['cluster', plan.name, plan.ruleKey]), () => ({
    name: plan.name,
    resource: buildOutboundCluster({
      service: plan.service,
      port: plan.port,
      subset: plan.subset,
      policy: plan.policy,
      policyField: plan.policyField,
      dnsEndpoints: resolvedByDns(plan.service.resolution) ? view.push.endpointsFor(plan.service, plan.port, plan.subsetLabels) : [],
      transportSocket: view.extensions.upstreamTransportSocket?.({
        push: view.push, service: plan.service, port: plan.port, subset: plan.subset, tls: plan.policy.tls, policyField: plan.policyField,
        http2: plan.port.protocol === 'HTTP' && plan.policy.connectionPool?.http?.h2UpgradePolicy === 'UPGRADE',
      }),
    }),
  }));
}
