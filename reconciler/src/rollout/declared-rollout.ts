/**
 * The rollout a VirtualService declares in its `mesh.cdk8s.io/rollout` annotation, read and
 * checked against the object itself: the plan must be sound and name a weighted HTTP route of
 * the VirtualService that sends traffic to both its stable and its canary subset.
 */
import { createHash } from 'crypto';
import type { MeshObject } from '../push/contract';
import type { HttpRoute, VirtualServiceSpec } from '../push/istio-spec';
import { cutForMessage, parseRolloutPlan, ROLLOUT_ANNOTATION, RolloutSpec } from '../model';

/** A rollout as declared by one VirtualService. */
export interface DeclaredRollout {
  /** `namespace/virtualservice/route`: one rollout per weighted route. */
  readonly key: string;
  readonly namespace: string;
  readonly virtualService: string;
  /** The destination host of the route's canary subset, as written in the route. */
  readonly host: string;
  readonly spec: RolloutSpec;
  /** Digest of the annotation text: a changed plan or canary version is a new rollout. */
  readonly planDigest: string;
}

export type DeclaredRolloutParse =
  | { readonly ok: true; readonly rollout: DeclaredRollout | undefined }
  | { readonly ok: false; readonly problems: readonly string[] };

const FIELD = `metadata.annotations['${ROLLOUT_ANNOTATION}']`;

/** The rollout `object` declares (undefined without the annotation), or what is wrong with it. */
export function declaredRollout(object: MeshObject): DeclaredRolloutParse {
  const text = object.kind === 'VirtualService' ? object.metadata.annotations?.[ROLLOUT_ANNOTATION] : undefined;
  if (text === undefined) return { ok: true, rollout: undefined };
  const parsed = parseRolloutPlan(text, FIELD);
  if (!parsed.ok) return parsed;
  const spec = parsed.spec;
  const routes = ((object.spec ?? {}) as VirtualServiceSpec).http ?? [];
  const route = routes.find((candidate) => candidate.name === spec.route);
  if (!route) {
    const named = routes.map((candidate) => candidate.name).filter((name): name is string => !!name).map(cutForMessage);
    return { ok: false, problems: [`${FIELD}.route is '${cutForMessage(spec.route)}', but spec.http has ${named.length > 0 ? `only the routes ${named.join(', ')}` : 'no named route'}; name the weighted route the rollout moves`] };
  }
  const host = weightedHost(route, spec);
  if (typeof host !== 'string') return { ok: false, problems: [host.problem] };
  const namespace = object.metadata.namespace ?? 'default';
  return {
    ok: true,
    rollout: {
      key: `${namespace}/${object.metadata.name}/${spec.route}`,
      namespace,
      virtualService: object.metadata.name,
      host,
      spec,
      planDigest: createHash('sha256').update(text).digest('hex').slice(0, 16),
    },
  };
}

/** The rollouts a served set of objects declares (ingest has rejected every unsound plan, so none is skipped in practice). */
export function declaredRollouts(objects: readonly MeshObject[]): DeclaredRollout[] {
  return objects.flatMap((object) => {
    const parsed = declaredRollout(object);
    return parsed.ok && parsed.rollout ? [parsed.rollout] : [];
  });
}

/** The host both subsets share in the route, or why the route cannot be moved. */
function weightedHost(route: HttpRoute, spec: RolloutSpec): string | { problem: string } {
  const destinations = route.route ?? [];
  if (route.match && route.match.length > 0) {
    return { problem: `${FIELD}.route is '${cutForMessage(spec.route)}', a route with match rules; a rollout moves only the weighted catch-all route, so name that one` };
  }
  const stable = destinations.find((target) => target.destination?.subset === spec.stable);
  const canary = destinations.find((target) => target.destination?.subset === spec.canary);
  if (!stable || !canary || destinations.length !== 2) {
    const subsets = destinations.map((target) => target.destination?.subset ?? '(none)').map(cutForMessage).join(', ') || 'none';
    return { problem: `${FIELD} moves route '${cutForMessage(spec.route)}' between subsets '${cutForMessage(spec.stable)}' and '${cutForMessage(spec.canary)}', but its destinations are ${subsets}; route to exactly the stable and the canary subset` };
  }
  if (stable.destination.host !== canary.destination.host) {
    return { problem: `${FIELD} moves route '${cutForMessage(spec.route)}', but its stable and canary destinations name different hosts (${cutForMessage(stable.destination.host)}, ${cutForMessage(canary.destination.host)}); route both subsets of one host` };
  }
  return canary.destination.host;
}
