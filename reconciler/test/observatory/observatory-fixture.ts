/**
 * A small mesh for the observatory's unit tests: reviews with v1 (two pods) and v2 behind a 90/10
 * route with a fault, a mirror to ratings and a circuit breaker, a subset v3 with no pod, STRICT
 * mTLS on reviews, a VirtualService for a host nobody declares; plus a fake traffic source that
 * groups hand-made edges the way the telemetry store does.
 */
import { ingestDocuments } from '../../src/config/ingest';
import type { ObservatoryInputs, TrafficSource } from '../../src/observatory/observatory-inputs';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../src/observatory/health';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { PushContext } from '../../src/push/push-context';
import type { EdgeTraffic } from '../../src/telemetry/edge-traffic';
import type { TrafficDestination } from '../../src/telemetry/traffic-destination';
import type { SourcePeer } from '../../src/telemetry/traffic-series';

export const MESH_YAML = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: shop }
spec: { selector: { app: ratings }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: reviews-v1-a, namespace: shop, labels: { app: reviews, version: v1 } }
spec: { containers: [{ name: app }] }
status: { podIP: 10.0.0.1 }
---
apiVersion: v1
kind: Pod
metadata: { name: reviews-v1-b, namespace: shop, labels: { app: reviews, version: v1 } }
spec: { containers: [{ name: app }] }
status: { podIP: 10.0.0.2 }
---
apiVersion: v1
kind: Pod
metadata: { name: reviews-v2-a, namespace: shop, labels: { app: reviews, version: v2 } }
spec: { containers: [{ name: app }] }
status: { podIP: 10.0.0.3 }
---
apiVersion: v1
kind: Pod
metadata: { name: ratings-v1-a, namespace: shop, labels: { app: ratings, version: v1 } }
spec: { containers: [{ name: app }] }
status: { podIP: 10.0.0.4 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3, baseEjectionTime: 30s } }
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
    - { name: v3, labels: { version: v3 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
    - name: jason
      match: [{ headers: { end-user: { exact: jason } } }]
      fault: { abort: { httpStatus: 503, percentage: { value: 100 } } }
      route: [{ destination: { host: reviews, subset: v1 } }]
    - name: default
      mirror: { host: ratings }
      mirrorPercentage: { value: 20 }
      retries: { attempts: 2, perTryTimeout: 1s }
      timeout: 3s
      route:
        - { destination: { host: reviews, subset: v1 }, weight: 90 }
        - { destination: { host: reviews, subset: v2 }, weight: 10 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ghost, namespace: shop }
spec:
  hosts: [ghost]
  http: [{ route: [{ destination: { host: ghost } }] }]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: reviews-strict, namespace: shop }
spec: { selector: { matchLabels: { app: reviews } }, mtls: { mode: STRICT } }
`;

export const REVIEWS_HOST = 'reviews.shop.svc.cluster.local';
export const RATINGS_HOST = 'ratings.shop.svc.cluster.local';

export const PRODUCTPAGE: SourcePeer = {
  proxyId: 'productpage-1', namespace: 'shop', workload: 'productpage-v1', app: 'productpage', version: 'v1',
  canonicalService: 'productpage', canonicalRevision: 'v1', principal: 'spiffe://cluster.local/ns/shop/sa/productpage', gateway: false,
};

export function destination(host: string, subset: string | undefined, version: string): TrafficDestination {
  const name = host.split('.')[0];
  return {
    cluster: `outbound|9080|${subset ?? ''}|${host}`, direction: 'outbound', port: 9080, protocol: 'http', subset, version, external: false,
    service: { host, name, namespace: 'shop' }, workloads: [],
  };
}

/** What one caller sent one destination in the window: rates per second. */
export interface FakeEdge {
  readonly source: SourcePeer;
  readonly destination: TrafficDestination;
  readonly requestsPerSecond: number;
  readonly serverErrorsPerSecond?: number;
  readonly clientErrorsPerSecond?: number;
  /** 0–1. @default 1 */
  readonly mtlsShare?: number;
  readonly p99Ms?: number;
  readonly ejectedHosts?: number;
}

/** Groups fake edges as TelemetryStore.groupedTotals does: rates add up, mTLS is request-weighted, p99 the highest. */
export function fakeTraffic(edges: readonly FakeEdge[], windowSeconds = 60): TrafficSource {
  return {
    groupedTotals: (query, groupings) => groupings.map((groupOf) => {
      const groups = new Map<string, FakeEdge[]>();
      for (const edge of edges) {
        if (query.direction !== undefined && edge.destination.direction !== query.direction) continue;
        const key = groupOf(edge.source, edge.destination);
        if (key !== undefined) groups.set(key, [...(groups.get(key) ?? []), edge]);
      }
      return new Map([...groups].map(([key, members]) => [key, merged(members, windowSeconds)]));
    }),
  };
}

function merged(members: readonly FakeEdge[], windowSeconds: number): EdgeTraffic {
  const sum = (field: (edge: FakeEdge) => number) => members.reduce((total, edge) => total + field(edge), 0);
  const requests = sum((edge) => edge.requestsPerSecond);
  const serverErrors = sum((edge) => edge.serverErrorsPerSecond ?? 0);
  const clientErrors = sum((edge) => edge.clientErrorsPerSecond ?? 0);
  const first = members[0];
  return {
    direction: first.destination.direction,
    source: first.source,
    destination: { service: first.destination.service, subset: first.destination.subset, version: first.destination.version, external: false },
    protocol: 'http',
    windowSeconds,
    reporters: members.length,
    requestsPerSecond: requests,
    responsesPerSecond: { '2xx': requests - serverErrors - clientErrors, '3xx': 0, '4xx': clientErrors, '5xx': serverErrors },
    errorRatio: requests > 0 ? serverErrors / requests : undefined,
    latencyMs: { p50: 1, p95: 2, p99: Math.max(...members.map((edge) => edge.p99Ms ?? 5)), mean: 1 },
    tcp: { sentBytesPerSecond: 0, receivedBytesPerSecond: 0, connectionsOpenedPerSecond: 0, connectionsClosedPerSecond: 0 },
    mtlsShare: requests > 0 ? sum((edge) => edge.requestsPerSecond * (edge.mtlsShare ?? 1)) / requests : undefined,
    resilience: {
      circuitBreakerOverflowsPerSecond: 0, outlierEjectionsPerSecond: 0, retriesPerSecond: 0, faultAbortsPerSecond: 0, faultDelaysPerSecond: 0,
      ejectedHosts: sum((edge) => edge.ejectedHosts ?? 0),
    },
  };
}

/** The canary's usual traffic: 9 rps to v1, 1 rps to v2 of which half fail, all over mutual TLS. */
export const CANARY_TRAFFIC: FakeEdge[] = [
  { source: PRODUCTPAGE, destination: destination(REVIEWS_HOST, 'v1', 'v1'), requestsPerSecond: 9, p99Ms: 12 },
  { source: PRODUCTPAGE, destination: destination(REVIEWS_HOST, 'v2', 'v2'), requestsPerSecond: 1, serverErrorsPerSecond: 0.5, p99Ms: 40 },
];

export function observatoryInputs(overrides: Partial<ObservatoryInputs> = {}, yaml = MESH_YAML): ObservatoryInputs {
  const ingested = ingestDocuments([{ source: 'mesh.yaml', text: yaml }]);
  if (ingested.rejected.length > 0) throw new Error(`fixture rejected: ${JSON.stringify(ingested.rejected)}`);
  return {
    push: PushContext.build(ingested.objects, DEFAULT_MESH_SETTINGS),
    servedObjects: ingested.objects,
    mesh: DEFAULT_MESH_SETTINGS,
    traffic: fakeTraffic(CANARY_TRAFFIC),
    rollouts: [],
    rejected: [],
    ignored: [],
    nacks: [],
    connectedProxies: [],
    thresholds: DEFAULT_HEALTH_THRESHOLDS,
    now: Date.parse('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}
