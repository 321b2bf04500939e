/**
 * Injected faults never reach an upstream cluster: Envoy's fault filter answers before the router
 * picks one, so its counts exist only per connection manager (`http.<stat prefix>.fault.*`). They
 * are attributed to a cluster from the proxy's own config: the routes of that connection manager
 * that carry a fault, and the clusters those routes send to. When exactly one cluster of the
 * connection manager can receive an abort (or a delay), every abort (or delay) is that cluster's;
 * otherwise the counts stay with the proxy as unattributed, and are counted as such.
 */
import type { InjectedFaults } from './traffic-fields';
import type { ListenerFlush } from './proxy-flush';
import { FAULT_FILTER, HTTP_CONNECTION_MANAGER } from '../xds/translate/envoy-extensions';

/** A cluster reachable through a route that injects a fault. */
export interface FaultTarget {
  readonly cluster: string;
  /** The HTTP status of the route's abort, when it aborts (200 for a gRPC status abort). */
  readonly abortStatus?: number;
  readonly abortGrpcStatus?: number;
  readonly delays: boolean;
}

type Json = Record<string, any>;

/**
 * The fault targets of each connection manager, by stat prefix, from a proxy's listeners and
 * route configurations (proto3 JSON, as generated).
 */
export function faultTargetsByStatPrefix(listeners: Iterable<Json>, routeConfigs: ReadonlyMap<string, Json>): Map<string, FaultTarget[]> {
  const result = new Map<string, FaultTarget[]>();
  for (const listener of listeners) {
    for (const chain of [...(listener.filter_chains ?? []), ...(listener.default_filter_chain ? [listener.default_filter_chain] : [])]) {
      for (const filter of chain.filters ?? []) {
        if (filter.name !== HTTP_CONNECTION_MANAGER.name) continue;
        const manager = filter.typed_config ?? {};
        const routes = manager.route_config ?? routeConfigs.get(manager.rds?.route_config_name);
        const targets = routes ? faultTargets(routes) : [];
        if (targets.length > 0 && typeof manager.stat_prefix === 'string') {
          result.set(manager.stat_prefix, [...(result.get(manager.stat_prefix) ?? []), ...targets]);
        }
      }
    }
  }
  return result;
}

function faultTargets(routeConfig: Json): FaultTarget[] {
  const targets: FaultTarget[] = [];
  for (const virtualHost of routeConfig.virtual_hosts ?? []) {
    for (const route of virtualHost.routes ?? []) {
      const fault = route.typed_per_filter_config?.[FAULT_FILTER.name] ?? virtualHost.typed_per_filter_config?.[FAULT_FILTER.name];
      if (!fault || (!fault.abort && !fault.delay)) continue;
      const clusters: string[] = route.route?.cluster
        ? [route.route.cluster]
        : (route.route?.weighted_clusters?.clusters ?? []).map((weighted: Json) => weighted.name);
      for (const cluster of clusters) {
        targets.push({
          cluster,
          ...(fault.abort ? abortOf(fault.abort) : {}),
          delays: fault.delay !== undefined,
        });
      }
    }
  }
  return targets;
}

function abortOf(abort: Json): { abortStatus: number; abortGrpcStatus?: number } {
  // Envoy answers a gRPC status abort with HTTP 200 and the status in `grpc-status`.
  return abort.grpc_status !== undefined ? { abortStatus: 200, abortGrpcStatus: Number(abort.grpc_status) } : { abortStatus: Number(abort.http_status ?? 503) };
}

export interface FaultAttribution {
  readonly byCluster: Map<string, InjectedFaults>;
  readonly unattributedAborts: number;
  readonly unattributedDelays: number;
}

/** Splits one connection manager's fault counts between its target clusters (see the file comment). */
export function attributeFaults(listener: ListenerFlush, targets: readonly FaultTarget[] | undefined): FaultAttribution {
  const byCluster = new Map<string, InjectedFaults>();
  let unattributedAborts = 0;
  let unattributedDelays = 0;
  const aborting = uniqueClusters((targets ?? []).filter((target) => target.abortStatus !== undefined));
  const delaying = uniqueClusters((targets ?? []).filter((target) => target.delays));
  if (listener.faultAborts > 0) {
    if (aborting.length === 1) {
      const target = aborting[0];
      byCluster.set(target.cluster, { aborts: listener.faultAborts, delays: 0, abortStatus: target.abortStatus!, abortGrpcStatus: target.abortGrpcStatus });
    } else {
      unattributedAborts = listener.faultAborts;
    }
  }
  if (listener.faultDelays > 0) {
    if (delaying.length === 1) {
      const cluster = delaying[0].cluster;
      const existing = byCluster.get(cluster);
      byCluster.set(cluster, { aborts: existing?.aborts ?? 0, abortStatus: existing?.abortStatus ?? 0, abortGrpcStatus: existing?.abortGrpcStatus, delays: listener.faultDelays });
    } else {
      unattributedDelays = listener.faultDelays;
    }
  }
  return { byCluster, unattributedAborts, unattributedDelays };
}

/** One target per cluster; routes to one cluster aborting with different statuses report the first. */
function uniqueClusters(targets: readonly FaultTarget[]): FaultTarget[] {
  const byCluster = new Map<string, FaultTarget>();
  for (const target of targets) {
    if (!byCluster.has(target.cluster)) byCluster.set(target.cluster, target);
  }
  return [...byCluster.values()];
}
