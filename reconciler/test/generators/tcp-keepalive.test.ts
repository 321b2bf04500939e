import { applyTrafficPolicy, ClusterDraft } from '../../src/xds/translate/cluster-policy';
import { effectiveTrafficPolicy } from '../../src/xds/translate/traffic-policy';

const HOST = 'reviews.bookinfo.svc.cluster.local';

function clusterFor(spec: Parameters<typeof effectiveTrafficPolicy>[0], subset?: string): ClusterDraft {
  const cluster: ClusterDraft = {};
  applyTrafficPolicy(cluster, effectiveTrafficPolicy(spec, 9080, subset), { http: true, field: 'DestinationRule bookinfo/reviews spec.trafficPolicy' });
  return cluster;
}

describe('TCP keepalive from a DestinationRule', () => {
  test('GIVEN tcpKeepalive with time, interval and probes WHEN the cluster is built THEN Envoy gets them in whole seconds, as istiod sends them', () => {
    const cluster = clusterFor({ host: HOST, trafficPolicy: { connectionPool: { tcp: { tcpKeepalive: { time: '60s', interval: '1500ms', probes: 3 } } } } });
    expect(cluster.upstream_connection_options).toEqual({ tcp_keepalive: { keepalive_probes: 3, keepalive_time: 60, keepalive_interval: 1 } });
  });

  test('GIVEN only probes WHEN the cluster is built THEN the unset fields keep the kernel defaults', () => {
    const cluster = clusterFor({ host: HOST, trafficPolicy: { connectionPool: { tcp: { tcpKeepalive: { probes: 9 } } } } });
    expect(cluster.upstream_connection_options).toEqual({ tcp_keepalive: { keepalive_probes: 9 } });
  });

  test('GIVEN a subset whose connection pool has no keepalive WHEN its cluster is built THEN the top-level keepalive is replaced with the pool, as in Istio', () => {
    const spec = {
      host: HOST,
      trafficPolicy: { connectionPool: { tcp: { tcpKeepalive: { time: '30s' } } } },
      subsets: [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 5 } } } }],
    };
    expect(clusterFor(spec).upstream_connection_options).toEqual({ tcp_keepalive: { keepalive_time: 30 } });
    expect(clusterFor(spec, 'v2').upstream_connection_options).toBeUndefined();
  });

  test('GIVEN no keepalive WHEN the cluster is built THEN there are no upstream connection options', () => {
    expect(clusterFor({ host: HOST, trafficPolicy: { connectionPool: { tcp: { maxConnections: 4 } } } }).upstream_connection_options).toBeUndefined();
  });
});
