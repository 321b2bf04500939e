/**
 * Resources for a proxyless gRPC client: API listeners instead of socket listeners, the same
 * outbound routes, clusters and endpoints as a sidecar, narrowed to what gRPC's xDS client accepts.
 * gRPC rejects a whole response for one resource it cannot use, so anything it does not implement
 * (original-destination and static clusters, direct-response catch-alls, SDS) is left out.
 */
import type { ProxyResources, XdsResource } from '../../push/contract';
import { TYPE_URLS } from '../../push/contract';
import { buildApiListeners } from '../translate/proxyless-listeners';
import type { ProxyView } from '../translate/proxy-view';
import { generateClusters } from './cds';
import { generateEndpoints } from './eds';
import { generateRoutes } from './rds';

/** Cluster discovery types gRPC's xDS client implements. */
const GRPC_CLUSTER_TYPES = new Set(['EDS', 'LOGICAL_DNS']);
/** Load balancers gRPC implements through `lb_policy`; Istio's LEAST_REQUEST default is not one. */
const GRPC_LB_POLICIES = new Set(['ROUND_ROBIN', 'RING_HASH']);

export function generateProxylessResources(view: ProxyView): ProxyResources {
  return new Map([
    [TYPE_URLS.listener, buildApiListeners(view).map((listener) => ({ name: listener.name as string, resource: listener }))],
    [TYPE_URLS.route, generateRoutes(view).map(withoutCatchAll)],
    [TYPE_URLS.cluster, generateClusters(view).filter((cluster) => GRPC_CLUSTER_TYPES.has(cluster.resource.type as string)).map(withGrpcLoadBalancer)],
    [TYPE_URLS.endpoint, generateEndpoints(view).map(withLocalityWeights)],
    [TYPE_URLS.secret, []],
  ]);
}

/** Balancers gRPC lacks fall back to round robin, as Istio does for proxyless clients. */
function withGrpcLoadBalancer(cluster: XdsResource): XdsResource {
  const policy = (cluster.resource.lb_policy as string | undefined) ?? 'ROUND_ROBIN';
  if (GRPC_LB_POLICIES.has(policy)) return cluster;
  const { least_request_lb_config: _leastRequest, ...rest } = cluster.resource;
  return { name: cluster.name, resource: { ...rest, lb_policy: 'ROUND_ROBIN' } };
}

/** The `*` virtual host routes to clusters gRPC lacks or answers directly, which gRPC cannot do. */
function withoutCatchAll(route: XdsResource): XdsResource {
  const virtualHosts = (route.resource.virtual_hosts as { domains: string[] }[]).filter((host) => !host.domains.includes('*'));
  return { name: route.name, resource: { ...route.resource, virtual_hosts: virtualHosts } };
}

/** gRPC drops locality groups without a locality and a weight; Envoy ignores both here. */
function withLocalityWeights(assignment: XdsResource): XdsResource {
  const endpoints = (assignment.resource.endpoints as Record<string, unknown>[]).map((group) => ({
    locality: {},
    load_balancing_weight: 1,
    ...group,
  }));
  return { name: assignment.name, resource: { ...assignment.resource, endpoints } };
}
