/** A VirtualService declaring a rollout, built the way the CanaryRelease construct writes it. */
import type { MeshObject } from '../../src/push/contract';
import { declaredRollout, DeclaredRollout } from '../../src/rollout/declared-rollout';
import { ROLLOUT_ANNOTATION, RolloutPlan } from '../../src/model';
import { HISTOGRAM_BOUNDS } from '../../src/telemetry/histogram';
import type { ClusterFlush } from '../../src/telemetry/proxy-flush';

export const HOST = 'reviews.default.svc.cluster.local';

export const HEALTHY_PLAN: RolloutPlan = {
  route: 'reviews-canary', stable: 'v1', canary: 'v2', startWeight: 0, minRequests: 100, trafficWaitLimit: '60s',
  steps: [
    { weight: 10, pause: '10s', minSuccessRate: 99 },
    { weight: 25, pause: '10s', minSuccessRate: 99, maxP99Latency: '100ms' },
    { weight: 50, pause: '10s', maxErrorRate: 1 },
    { weight: 100, pause: '10s', minSuccessRate: 99 },
  ],
};

/** Routes as `routed` says (the annotation's own plan unless given) and declares `plan`. */
export function rolloutVirtualService(plan: RolloutPlan = HEALTHY_PLAN, extraRoutes: unknown[] = [], routed: RolloutPlan = plan): MeshObject {
  return {
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'default', annotations: { [ROLLOUT_ANNOTATION]: JSON.stringify(plan) } },
    spec: {
      hosts: [HOST],
      http: [...extraRoutes, {
        name: routed.route,
        route: [{ destination: { host: HOST, subset: routed.stable }, weight: 100 - routed.startWeight }, { destination: { host: HOST, subset: routed.canary }, weight: routed.startWeight }],
      }],
    },
  } as MeshObject;
}

export function declared(plan: RolloutPlan = HEALTHY_PLAN): DeclaredRollout {
  const parsed = declaredRollout(rolloutVirtualService(plan));
  if (!parsed.ok || !parsed.rollout) throw new Error(`fixture plan does not parse: ${JSON.stringify(parsed)}`);
  return parsed.rollout;
}

/** One caller's flush to the canary: `ok` 200s and `failed` 503s, each taking `latencyMs`. */
export function canaryFlush(ok: number, failed: number, latencyMs = 3): ClusterFlush {
  const count = ok + failed;
  return {
    cluster: `outbound|9080|v2|${HOST}`, responses: new Map([[200, ok], [503, failed]].filter(([, n]) => n > 0) as [number, number][]),
    grpcStatuses: new Map(),
    latency: { count, sum: count * latencyMs, upperBounds: HISTOGRAM_BOUNDS, cumulativeCounts: HISTOGRAM_BOUNDS.map((bound) => (bound >= latencyMs ? count : 0)) },
    connectionsOpened: 0, connectionsClosed: 0, sentBytes: 0, receivedBytes: 0, overflows: 0, retries: 0, ejections: 0, tlsHandshakes: 0,
    grpcRequestMessages: 0, grpcResponseMessages: 0,
  };
}
