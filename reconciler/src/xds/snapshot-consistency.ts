/**
 * Checks that a snapshot is self-contained before it is published: every EDS cluster's endpoints and
 * every RDS route configuration a listener names are present. Envoy would otherwise keep the cluster
 * or listener warming forever, which looks like a hang rather than an error.
 */
import { TYPE_URLS } from '../push/contract';
import type { EncodedResource } from './codec';
import { PairCache } from './pair-cache';
import type { XdsSnapshot } from './snapshot';

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** Returns one sentence per dangling reference; empty when the snapshot is consistent. */
export function findSnapshotInconsistencies(snapshot: XdsSnapshot): string[] {
  return [...missingEndpoints(snapshot), ...missingRoutes(snapshot)];
}

type ResourcesByName = ReadonlyMap<string, EncodedResource>;

/** Per cluster set and endpoint set: proxies of one scope share both, and a set holds thousands of clusters. */
const checkedEndpoints = new PairCache<ResourcesByName, ResourcesByName, string[]>();

function missingEndpoints(snapshot: XdsSnapshot): string[] {
  const clusters = snapshot.resources(TYPE_URLS.cluster);
  const endpoints = snapshot.resources(TYPE_URLS.endpoint);
  return checkedEndpoints.get(clusters, endpoints, () => endpointsMissingFrom(clusters, endpoints));
}

function endpointsMissingFrom(clusters: ResourcesByName, endpoints: ResourcesByName): string[] {
  const problems: string[] = [];
  for (const cluster of clusters.values()) {
    const json = cluster.json as { type?: unknown; eds_cluster_config?: { service_name?: string } };
    if (json.type !== 'EDS') continue;
    const serviceName = json.eds_cluster_config?.service_name || cluster.name;
    if (!endpoints.has(serviceName)) {
      problems.push(`cluster '${cluster.name}' is of type EDS but no ClusterLoadAssignment named '${serviceName}' is in the snapshot`);
    }
  }
  return problems;
}

function missingRoutes(snapshot: XdsSnapshot): string[] {
  const routes = snapshot.resources(TYPE_URLS.route);
  const problems: string[] = [];
  for (const listener of snapshot.resources(TYPE_URLS.listener).values()) {
    for (const routeName of referencedRouteNames(listener.json)) {
      if (!routes.has(routeName)) {
        problems.push(`listener '${listener.name}' uses RDS route configuration '${routeName}' which is not in the snapshot`);
      }
    }
  }
  return problems;
}

/** RDS names used by the HTTP connection managers of a listener's filter chains. */
export function referencedRouteNames(listener: Readonly<Record<string, unknown>>): string[] {
  const chains = [...((listener.filter_chains as unknown[]) ?? []), ...(listener.default_filter_chain ? [listener.default_filter_chain] : [])];
  const names = new Set<string>();
  for (const chain of chains as { filters?: { typed_config?: Record<string, any> }[] }[]) {
    for (const filter of chain.filters ?? []) {
      const config = filter.typed_config;
      const routeName = config?.['@type'] === HCM_TYPE ? config.rds?.route_config_name : undefined;
      if (typeof routeName === 'string') names.add(routeName);
    }
  }
  return [...names];
}

/**
 * Routes (and mirrors) to clusters the snapshot does not hold. Not part of the publish check: a
 * route to a host without a service is valid config that Envoy answers with 503 (as Istio's does),
 * but config that was served together never produces one for a subset (see config/last-good.ts).
 */
export function findRoutesToMissingClusters(snapshot: XdsSnapshot): string[] {
  const clusters = snapshot.resources(TYPE_URLS.cluster);
  const problems: string[] = [];
  for (const routeConfig of snapshot.resources(TYPE_URLS.route).values()) {
    const json = routeConfig.json as { virtual_hosts?: { name?: string; routes?: { name?: string; route?: Record<string, any> }[] }[] };
    for (const virtualHost of json.virtual_hosts ?? []) {
      for (const route of virtualHost.routes ?? []) {
        const action = route.route ?? {};
        const names = [
          ...(typeof action.cluster === 'string' ? [action.cluster] : []),
          ...((action.weighted_clusters?.clusters ?? []) as { name: string }[]).map((cluster) => cluster.name),
          ...((action.request_mirror_policies ?? []) as { cluster: string }[]).map((mirror) => mirror.cluster),
        ];
        for (const name of names.filter((cluster) => !clusters.has(cluster))) {
          problems.push(`route '${route.name ?? '(unnamed)'}' of virtual host '${virtualHost.name}' in '${routeConfig.name}' sends to cluster '${name}', which is not in the snapshot`);
        }
      }
    }
  }
  return problems;
}
