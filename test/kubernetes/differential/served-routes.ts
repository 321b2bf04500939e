/**
 * The routes each side serves for a case's hosts, normalised and compared route by route: the
 * configuration counterpart of the request outcomes, for what requests cannot show (timeouts
 * beyond the backend's answer, retry conditions a backend never triggers, retry host selection).
 */
import type { Sides } from './differential-runner';
import { MESH_NAMESPACE, SERVICE_PORT } from './mesh-under-test';
import { normaliseRoute, routesOfHost } from './route-comparison';

export interface RouteComparison {
  readonly caseId: string;
  readonly host: string;
  readonly agree: boolean;
  /** Where they differ: the route index and each side's normalised route (or the whole list when the counts differ). */
  readonly difference?: { readonly route: number | 'count'; readonly istiod: unknown; readonly reconciler: unknown };
}

/** Each side's route configuration to look in (a router's is named by the port it listens on, which differs per side). */
export type RouteNames = Readonly<Record<keyof Sides, number | string>>;

/** `hostsByCase`: the VirtualService hosts of each case already served by both sides, looked up in the route configurations `routeNames`. */
export async function compareServedRoutes(
  sides: Sides, hostsByCase: ReadonlyMap<string, readonly string[]>, routeNames: RouteNames = { istiod: SERVICE_PORT, reconciler: SERVICE_PORT },
): Promise<RouteComparison[]> {
  const [istiodDump, reconcilerDump] = await Promise.all([sides.istiod, sides.reconciler].map((sidecar) => sidecar.configDump({ resource: 'dynamic_route_configs' })));
  const comparisons: RouteComparison[] = [];
  for (const [caseId, hosts] of hostsByCase) {
    for (const host of hosts) {
      const qualified = host.includes('.') ? host : `${host}.${MESH_NAMESPACE}.svc.cluster.local`;
      const istiod = (routesOfHost(istiodDump, qualified, routeNames.istiod) ?? []).map(normaliseRoute);
      const reconciler = (routesOfHost(reconcilerDump, qualified, routeNames.reconciler) ?? []).map(normaliseRoute);
      if (istiod.length !== reconciler.length) {
        comparisons.push({ caseId, host, agree: false, difference: { route: 'count', istiod, reconciler } });
        continue;
      }
      const differing = istiod.findIndex((route, index) => JSON.stringify(route) !== JSON.stringify(reconciler[index]));
      comparisons.push(differing < 0 ? { caseId, host, agree: true }
        : { caseId, host, agree: false, difference: { route: differing, istiod: istiod[differing], reconciler: reconciler[differing] } });
    }
  }
  return comparisons;
}
