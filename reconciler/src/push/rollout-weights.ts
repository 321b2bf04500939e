/**
 * Serves running rollouts' weights: the VirtualServices as they apply now, with the weighted
 * route of each rollout splitting stable and canary by the rollout's current weight. Copies
 * only; the objects read from the source (and any file or Kubernetes object) never change, and
 * every other route (match rules, the always-canary header) stays as written.
 */
import type { MeshObject } from './contract';
import type { VirtualServiceSpec } from './istio-spec';

/** The weight to serve on one route of one VirtualService. */
export interface RouteWeight {
  readonly namespace: string;
  readonly virtualService: string;
  readonly route: string;
  readonly stable: string;
  readonly canary: string;
  readonly canaryWeight: number;
}

export function applyRolloutWeights(virtualServices: readonly MeshObject[], weights: readonly RouteWeight[]): readonly MeshObject[] {
  if (weights.length === 0) return virtualServices;
  return virtualServices.map((object) => {
    const mine = weights.filter((weight) => weight.virtualService === object.metadata.name && weight.namespace === (object.metadata.namespace ?? 'default'));
    if (mine.length === 0) return object;
    const spec = (object.spec ?? {}) as VirtualServiceSpec;
    const http = (spec.http ?? []).map((route) => {
      const weight = mine.find((candidate) => candidate.route === route.name);
      if (!weight || !route.route || (route.match?.length ?? 0) > 0) return route;
      return {
        ...route,
        route: route.route.map((target) => {
          if (target.destination?.subset === weight.canary) return { ...target, weight: weight.canaryWeight };
          if (target.destination?.subset === weight.stable) return { ...target, weight: 100 - weight.canaryWeight };
          return target;
        }),
      };
    });
    return { ...object, spec: { ...spec, http } };
  });
}
