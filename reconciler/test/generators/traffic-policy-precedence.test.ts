import { applyTrafficPolicy, ClusterDraft } from '../../src/xds/translate/cluster-policy';
import { effectiveTrafficPolicy } from '../../src/xds/translate/traffic-policy';

const HOST = 'reviews.bookinfo.svc.cluster.local';
const PORT = 9080;

const rule = {
  host: HOST,
  trafficPolicy: {
    connectionPool: { tcp: { maxConnections: 332 } },
    outlierDetection: { consecutive5xxErrors: 7 },
    loadBalancer: { simple: 'RANDOM' as const },
    portLevelSettings: [{ port: { number: PORT }, loadBalancer: { simple: 'ROUND_ROBIN' as const } }],
  },
  subsets: [
    { name: 'v1', labels: { version: 'v1' }, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 9 } } } },
    { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 2 }, portLevelSettings: [{ port: { number: PORT }, connectionPool: { tcp: { maxConnections: 4 } } }] } },
  ],
};

function clusterFor(subset?: string, port = PORT): ClusterDraft {
  const cluster: ClusterDraft = {};
  applyTrafficPolicy(cluster, effectiveTrafficPolicy(rule, port, subset), { http: true, field: 'DestinationRule bookinfo/reviews' });
  return cluster;
}

describe('which DestinationRule layer applies to a cluster (Istio\'s precedence, as istiod applies it)', () => {
  test('GIVEN port-level settings for the port WHEN the cluster is built THEN they replace the whole policy: what they omit is default, not inherited', () => {
    const cluster = clusterFor();
    expect(cluster.lb_policy).toBe('ROUND_ROBIN');
    expect((cluster.circuit_breakers as any).thresholds[0].max_connections).toBe(4294967295);
    expect(cluster.outlier_detection).toBeUndefined();
  });

  test('GIVEN another port WHEN the cluster is built THEN the destination-level policy applies', () => {
    const cluster = clusterFor(undefined, 8080);
    expect(cluster.lb_policy).toBe('RANDOM');
    expect((cluster.circuit_breakers as any).thresholds[0].max_connections).toBe(332);
    expect((cluster.outlier_detection as any).consecutive_5xx).toBe(7);
  });

  test('GIVEN a subset policy without port-level settings WHEN its cluster is built THEN it replaces only the fields it sets', () => {
    const cluster = clusterFor('v1');
    expect(cluster.lb_policy).toBe('ROUND_ROBIN');
    expect((cluster.circuit_breakers as any).thresholds[0]).toMatchObject({ max_connections: 4294967295, max_requests: 9 });
    expect(cluster.outlier_detection).toBeUndefined();
  });

  test('GIVEN a subset with port-level settings for the port WHEN its cluster is built THEN those settings replace every field, the subset\'s own included', () => {
    const cluster = clusterFor('v2');
    expect((cluster.circuit_breakers as any).thresholds[0].max_connections).toBe(4);
    expect(cluster.outlier_detection).toBeUndefined();
    expect(cluster.lb_policy).toBe('LEAST_REQUEST');
  });

  test('GIVEN limits of 0, which Istio\'s API cannot tell from unset WHEN the cluster is built THEN they are unlimited and ejection keeps Envoy\'s 10 %', () => {
    const cluster: ClusterDraft = {};
    applyTrafficPolicy(cluster, effectiveTrafficPolicy({
      host: HOST,
      trafficPolicy: { connectionPool: { http: { maxRetries: 0, http2MaxRequests: 0 } }, outlierDetection: { consecutiveGatewayErrors: 3, maxEjectionPercent: 0 } },
    }, PORT), { http: true, field: 'DestinationRule bookinfo/reviews' });
    expect((cluster.circuit_breakers as any).thresholds[0]).toMatchObject({ max_retries: 4294967295, max_requests: 4294967295 });
    expect(cluster.outlier_detection).toEqual({ enforcing_success_rate: 0, consecutive_gateway_failure: 3, enforcing_consecutive_gateway_failure: 100 });
  });
});
