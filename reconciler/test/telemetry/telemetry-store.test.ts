/**
 * The telemetry store driven by a fake clock: hand-made flushes as Envoy sends them, the bookinfo
 * registry for destinations, and the queries a graph or a rollout would make.
 */
import type { ProxyIdentity } from '../../src/push/contract';
import { TYPE_URLS } from '../../src/push/contract';
import { faultTargetsByStatPrefix } from '../../src/telemetry/fault-attribution';
import type { EnvoyMetric } from '../../src/telemetry/metrics-wire';
import { ProxyStatsStream, TelemetryStore, TelemetryStoreOptions } from '../../src/telemetry/telemetry-store';
import { TrafficDestinations } from '../../src/telemetry/traffic-destination';
import { generateProxyResources } from '../../src/xds/generators';
import { clusterStats, connectionManagerStats, evenLatencies, uptime } from '../support/envoy-stats';
import { BOOKINFO, loadPushContext, productpageProxy, proxy } from '../generators/fixture-loader';

const push = loadPushContext(BOOKINFO);
const REVIEWS_V1 = 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local';
const REVIEWS_V3 = 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local';
const RATINGS = 'outbound|9080||ratings.bookinfo.svc.cluster.local';
const REVIEWS_HOST = 'reviews.bookinfo.svc.cluster.local';
const FLUSH_MS = 5000;
const T0 = 1_800_000_000_000;

const productpage = (index: number): ProxyIdentity => proxy({
  name: `productpage-${index}`, namespace: 'bookinfo', serviceAccount: 'bookinfo-productpage',
  labels: { app: 'productpage', version: 'v1' }, instanceIp: `127.0.1.${index}`,
});
const reviewsV1 = proxy({ name: 'reviews-v1', namespace: 'bookinfo', serviceAccount: 'bookinfo-reviews', labels: { app: 'reviews', version: 'v1' }, instanceIp: '127.0.1.11' });

function store(options: Partial<TelemetryStoreOptions> = {}): TelemetryStore {
  return new TelemetryStore({ destinations: new TrafficDestinations(() => push), trustDomain: 'cluster.local', ...options });
}

/** Sends one flush every 5 s from `from` (exclusive) to `to` (inclusive), built per flush time. */
function streamFor(stream: ProxyStatsStream, from: number, to: number, flush: (at: number) => EnvoyMetric[]): void {
  for (let at = from + FLUSH_MS; at <= to; at += FLUSH_MS) stream.record(flush(at), at);
}

const requests = (count: number, code = 200) => clusterStats(REVIEWS_V1, { responses: { [code]: count }, latenciesMs: evenLatencies(count, 1, 4) });

describe('telemetry store', () => {
  describe('window rates', () => {
    test('GIVEN 10 rps for 4 min then 30 rps for 1 min WHEN the 1 and 5 min windows are read THEN each rate is the exact average over the span it covers', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      streamFor(stream, T0, T0 + 300_000, (at) => requests(at - T0 <= 240_000 ? 50 : 150));
      const now = T0 + 300_000;

      const minute = telemetry.total({ windowMs: 60_000, destinationHost: REVIEWS_HOST }, now)!;
      const fiveMinutes = telemetry.total({ windowMs: 300_000, destinationHost: REVIEWS_HOST }, now)!;

      // 1 min: the reports of 250 s … 300 s (11 × 150 requests) cover 245 s … 300 s.
      expect(minute.requestsPerSecond).toBeCloseTo(1650 / 55, 10);
      // 5 min: the reports of 60 s … 300 s cover 55 s … 300 s.
      expect(fiveMinutes.requestsPerSecond).toBeCloseTo((37 * 50 + 12 * 150) / 245, 10);
      expect(minute.responsesPerSecond['2xx']).toBeCloseTo(minute.requestsPerSecond, 10);
      expect(minute.errorRatio).toBe(0);
    });

    test('GIVEN a destination a proxy starts calling mid-window WHEN rates are read THEN its rate counts the time before as idle, so shares between destinations stay fair', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      streamFor(stream, T0, T0 + 60_000, (at) => [
        ...requests(40),
        ...(at - T0 > 30_000 ? clusterStats(REVIEWS_V3, { responses: { 200: 40 } }) : []),
      ]);

      const [v1, v3] = ['v1', 'v3'].map((subset) => telemetry.total({ windowMs: 60_000, destinationSubset: subset }, T0 + 60_000)!);
      // Both over the proxy's span (the reports of 10 s … 60 s cover 5 s … 60 s): v1 in 11 of them, v3 in the last 6.
      expect(v1.requestsPerSecond).toBeCloseTo((11 * 40) / 55, 10);
      expect(v3.requestsPerSecond).toBeCloseTo((6 * 40) / 55, 10);
    });

    test('GIVEN a window outside 1 s … 15 min WHEN queried THEN the error names the window and the range', () => {
      expect(() => store().edges({ windowMs: 3_600_000 })).toThrow('a traffic window of 3600000 ms is out of range; ask for 1 s to 15 min');
    });

    test('GIVEN 2xx and 5xx responses WHEN read THEN rates by class and the error ratio follow the counts', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      streamFor(stream, T0, T0 + 60_000, () => clusterStats(REVIEWS_V1, { responses: { 200: 45, 404: 3, 503: 2 } }));

      const edge = telemetry.total({ windowMs: 60_000 }, T0 + 60_000)!;

      expect(edge.responsesPerSecond['4xx'] / edge.requestsPerSecond).toBeCloseTo(3 / 50, 10);
      expect(edge.errorRatio).toBeCloseTo(2 / 50, 10);
    });
  });

  describe('histogram merges across proxies', () => {
    test('GIVEN two pods of one workload, one fast and one slow WHEN the edge is read THEN one edge reports both and its quantiles come from the merged buckets', () => {
      const telemetry = store();
      const fast = telemetry.openStream(productpage(1), T0);
      const slow = telemetry.openStream(productpage(2), T0);
      for (let at = T0 + FLUSH_MS; at <= T0 + 30_000; at += FLUSH_MS) {
        fast.record(clusterStats(REVIEWS_V1, { responses: { 200: 90 }, latenciesMs: Array(90).fill(3) }), at);
        slow.record(clusterStats(REVIEWS_V1, { responses: { 200: 10 }, latenciesMs: Array(10).fill(400) }), at + 1000);
      }

      const edges = telemetry.edges({ windowMs: 60_000 }, T0 + 31_000);

      expect(edges).toHaveLength(1);
      expect(edges[0].reporters).toBe(2);
      expect(edges[0].source.workload).toBe('productpage-v1');
      // Per second both pods' shares are as sent, so p95 is the 5th of 10 slow requests in (250, 500].
      expect(edges[0].latencyMs!.p95).toBeCloseTo(375, 6);
      expect(edges[0].latencyMs!.p50).toBeGreaterThan(1);
      expect(edges[0].latencyMs!.p50).toBeLessThanOrEqual(5);
      expect(edges[0].latencyMs!.mean).toBeCloseTo((90 * 3 + 10 * 400) / 100, 6);
    });
  });

  describe('grouped totals', () => {
    test('GIVEN two pods calling reviews v1 and v3 WHEN grouped by host and by subset in one pass THEN each group equals the total of its own query, merged buckets included', () => {
      const telemetry = store();
      const first = telemetry.openStream(productpage(1), T0);
      const second = telemetry.openStream(productpage(2), T0);
      for (let at = T0 + FLUSH_MS; at <= T0 + 30_000; at += FLUSH_MS) {
        first.record([...clusterStats(REVIEWS_V1, { responses: { 200: 40 }, latenciesMs: Array(40).fill(3) }), ...clusterStats(REVIEWS_V3, { responses: { 503: 5, 200: 5 }, latenciesMs: Array(10).fill(90) })], at);
        second.record(clusterStats(REVIEWS_V1, { responses: { 200: 20 }, latenciesMs: Array(20).fill(400) }), at + 1000);
      }
      const now = T0 + 31_000;

      const [byHost, bySubset] = telemetry.groupedTotals({ windowMs: 60_000 }, [
        (_, destination) => destination.service?.host,
        (_, destination) => destination.subset,
      ], now);

      expect([...byHost.keys()]).toEqual([REVIEWS_HOST]);
      expect([...bySubset.keys()].sort()).toEqual(['v1', 'v3']);
      const same = (grouped: ReturnType<TelemetryStore['total']>, alone: ReturnType<TelemetryStore['total']>) => {
        expect(grouped!.requestsPerSecond).toBeCloseTo(alone!.requestsPerSecond, 9);
        expect(grouped!.errorRatio).toBeCloseTo(alone!.errorRatio!, 9);
        expect(grouped!.latencyMs!.p99).toBeCloseTo(alone!.latencyMs!.p99, 9);
        expect(grouped!.reporters).toBe(alone!.reporters);
      };
      same(byHost.get(REVIEWS_HOST), telemetry.total({ windowMs: 60_000, destinationHost: REVIEWS_HOST }, now));
      same(bySubset.get('v1'), telemetry.total({ windowMs: 60_000, destinationSubset: 'v1' }, now));
      same(bySubset.get('v3'), telemetry.total({ windowMs: 60_000, destinationSubset: 'v3' }, now));
      expect(bySubset.get('v3')!.errorRatio).toBeCloseTo(0.5, 9);
      expect(byHost.get(REVIEWS_HOST)!.reporters).toBe(3);
    });

    test('GIVEN a grouping that leaves every series out WHEN grouped THEN its map is empty and the others are unaffected', () => {
      const telemetry = store();
      streamFor(telemetry.openStream(productpage(1), T0), T0, T0 + 20_000, () => requests(10));

      const [none, all] = telemetry.groupedTotals({ windowMs: 60_000 }, [() => undefined, () => 'all'], T0 + 20_000);

      expect(none.size).toBe(0);
      expect(all.get('all')!.requestsPerSecond).toBeCloseTo(telemetry.total({ windowMs: 60_000 }, T0 + 20_000)!.requestsPerSecond, 9);
    });
  });

  describe('counter resets', () => {
    test('GIVEN an Envoy that restarts WHEN its new stream reports THEN nothing is counted twice or lost and the Istio counters keep growing', () => {
      const telemetry = store();
      const first = telemetry.openStream(productpage(1), T0);
      streamFor(first, T0, T0 + 60_000, () => requests(50));
      const before = istioRequests(telemetry);
      first.close(T0 + 61_000);
      // The restarted Envoy is 3 s old at its first flush: its delta covers those 3 s.
      const second = telemetry.openStream(productpage(1), T0 + 64_000);
      second.record([uptime(3), ...requests(30)], T0 + 67_000);
      streamFor(second, T0 + 67_000, T0 + 97_000, () => requests(50));

      expect(before).toBe(12 * 50);
      expect(istioRequests(telemetry)).toBe(12 * 50 + 30 + 6 * 50);
      const minute = telemetry.total({ windowMs: 60_000 }, T0 + 97_000)!;
      // Reports of 40 s … 97 s: 5 before the restart, then 30 + 6 × 50, over 35 s … 97 s (the gap counts as no traffic).
      expect(minute.requestsPerSecond).toBeCloseTo((5 * 50 + 30 + 6 * 50) / 62, 10);
    });

    test('GIVEN a long-running Envoy WHEN a freshly started reconciler gets its first flush THEN the rate is that flush over one interval, not the Envoy\'s lifetime', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record([uptime(86_400), ...requests(50)], T0 + 1000);

      expect(telemetry.total({ windowMs: 60_000 }, T0 + 1000)!.requestsPerSecond).toBeCloseTo(50 / 5, 10);
    });
  });

  describe('disconnects', () => {
    test('GIVEN a proxy that goes away WHEN read later THEN its traffic fades out of the windows, then the series is dropped, and the Istio totals stay until idle', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      streamFor(stream, T0, T0 + 60_000, () => requests(50));
      stream.close(T0 + 60_000);

      // At 90 s the 1 min window holds the reports of 40 s … 60 s (5 × 50) over 35 s … 90 s: nothing came after.
      expect(telemetry.total({ windowMs: 60_000 }, T0 + 90_000)!.requestsPerSecond).toBeCloseTo(250 / 55, 10);
      expect(telemetry.total({ windowMs: 60_000 }, T0 + 130_000)).toBeUndefined();
      expect(telemetry.total({ windowMs: 900_000 }, T0 + 130_000)!.requestsPerSecond).toBeGreaterThan(0);

      telemetry.sweep(T0 + 60_000 + 16 * 60_000);
      expect(telemetry.seriesCount).toBe(0);
      expect(telemetry.istio.size).toBe(0);
    });

    test('GIVEN two streams of one proxy (a reconnect overlapping the old stream) WHEN one ends THEN the proxy still counts as connected', () => {
      const telemetry = store();
      const old = telemetry.openStream(productpage(1), T0);
      const fresh = telemetry.openStream(productpage(1), T0 + 1000);
      old.record(requests(50), T0 + 5000);
      old.close(T0 + 6000);
      fresh.record(requests(50), T0 + 10_000);

      // Connected, so the rate ends at the last report (10 s), not at the query time.
      expect(telemetry.total({ windowMs: 60_000 }, T0 + 40_000)!.requestsPerSecond).toBeCloseTo(100 / 10, 10);
      expect(telemetry.openStreams).toBe(1);
    });
  });

  describe('what an edge is', () => {
    test('GIVEN TLS handshakes on new connections WHEN read THEN the edge is mutual TLS and the Istio labels carry both principals', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record(clusterStats(REVIEWS_V1, { responses: { 200: 10 }, connectionsOpened: 2, tlsHandshakes: 2 }), T0 + 5000);

      expect(telemetry.total({ windowMs: 60_000 }, T0 + 5000)!.mtlsShare).toBe(1);
      const labels = [...telemetry.istio.all()][0].labels;
      expect(labels.source_principal).toBe('spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage');
      expect(labels).toMatchObject({ destination_workload: 'reviews-v1', destination_version: 'v1', destination_canonical_service: 'reviews', destination_canonical_revision: 'v1' });
    });

    test('GIVEN plaintext connections WHEN read THEN the share of mTLS is 0 and principals are unknown', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record(clusterStats(REVIEWS_V1, { responses: { 200: 10 }, connectionsOpened: 1, tlsHandshakes: 0 }), T0 + 5000);

      expect(telemetry.total({ windowMs: 60_000 }, T0 + 5000)!.mtlsShare).toBe(0);
      expect([...telemetry.istio.all()][0].labels.source_principal).toBe('unknown');
    });

    test('GIVEN no sidecar behind the destination WHEN counted THEN only the source reports; once its workload streams stats, the destination reports too', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record(clusterStats(REVIEWS_V1, { responses: { 200: 10 }, connectionsOpened: 1, tlsHandshakes: 1 }), T0 + 5000);
      expect([...telemetry.istio.all()].map((record) => record.labels.reporter)).toEqual(['source']);

      telemetry.openStream(reviewsV1, T0 + 6000);
      stream.record(clusterStats(REVIEWS_V1, { responses: { 200: 10 } }), T0 + 10_000);

      const destination = [...telemetry.istio.all()].find((record) => record.labels.reporter === 'destination')!;
      expect(destination.labels.connection_security_policy).toBe('mutual_tls');
      expect(destination.responses.get('200|-|')!.count).toBe(10);
    });

    test('GIVEN a sidecar behind the destination connected over ADS before its first stats flush WHEN counted THEN the destination reports every request from the first', () => {
      const telemetry = store();
      telemetry.sidecarConnected(reviewsV1);
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record(clusterStats(REVIEWS_V1, { responses: { 200: 10 }, connectionsOpened: 1, tlsHandshakes: 1 }), T0 + 5000);
      // The sidecar's own stats stream opens with its first flush, after the requests it served.
      telemetry.openStream(reviewsV1, T0 + 6000);
      stream.record(clusterStats(REVIEWS_V1, { responses: { 200: 7 } }), T0 + 10_000);

      const destination = [...telemetry.istio.all()].filter((record) => record.labels.reporter === 'destination');
      expect(destination.map((record) => record.labels.connection_security_policy)).toEqual(['mutual_tls']);
      expect(destination[0].responses.get('200|-|')!.count).toBe(17);
    });

    test('GIVEN the sidecar behind the destination disconnected from ADS and never streamed stats WHEN counted THEN only the source reports', () => {
      const telemetry = store();
      telemetry.sidecarConnected(reviewsV1);
      telemetry.sidecarDisconnected(reviewsV1);
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record(clusterStats(REVIEWS_V1, { responses: { 200: 10 }, connectionsOpened: 1, tlsHandshakes: 1 }), T0 + 5000);
      expect([...telemetry.istio.all()].map((record) => record.labels.reporter)).toEqual(['source']);
    });

    test('GIVEN inbound stats of a server sidecar WHEN read THEN an inbound edge names its own workload and the share of TLS connections it accepted', () => {
      const telemetry = store();
      const stream = telemetry.openStream(reviewsV1, T0);
      stream.record([
        ...clusterStats('inbound|9080||', { responses: { 200: 20 } }),
        ...connectionManagerStats('inbound_9080', { connections: 4, tlsConnections: 3 }),
      ], T0 + 5000);

      const [edge] = telemetry.edges({ windowMs: 60_000, direction: 'inbound' }, T0 + 5000);
      expect(edge).toMatchObject({ direction: 'inbound', destination: { workload: 'reviews-v1', version: 'v1', service: { host: REVIEWS_HOST } }, source: { workload: 'unknown' } });
      expect(edge.mtlsShare).toBeCloseTo(0.75, 10);
      expect(telemetry.istio.size).toBe(0);
    });
  });

  describe('injected faults', () => {
    const productpageResources = generateProxyResources(push, productpageProxy());
    const listeners = (productpageResources.get(TYPE_URLS.listener) ?? []).map((resource) => resource.resource);
    const routes = new Map((productpageResources.get(TYPE_URLS.route) ?? []).map((resource) => [resource.name, resource.resource]));
    const targets = faultTargetsByStatPrefix(listeners, routes);
    const faultTargets = (_proxyId: string, statPrefix: string) => targets.get(statPrefix);
    const statPrefix = [...targets.keys()][0];

    test('GIVEN the only aborting route of a connection manager WHEN aborts are flushed THEN they count on its cluster as FI responses with its status', () => {
      const telemetry = store({ faultTargets });
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record([
        ...clusterStats(REVIEWS_V3, { responses: { 200: 63 } }),
        ...connectionManagerStats(statPrefix, { faultAborts: 9 }),
      ], T0 + 5000);

      const edge = telemetry.total({ windowMs: 60_000, destinationSubset: 'v3' }, T0 + 5000)!;
      expect(edge.requestsPerSecond).toBeCloseTo(72 / 5, 10);
      expect(edge.errorRatio).toBeCloseTo(9 / 72, 10);
      expect(edge.resilience.faultAbortsPerSecond).toBeCloseTo(9 / 5, 10);
      const record = [...telemetry.istio.all()].find((candidate) => candidate.labels.destination_version === 'v3')!;
      expect(record.responses.get('503|FI|')!.count).toBe(9);
      expect(telemetry.counters.unattributedFaultAborts).toBe(0);
    });

    test('GIVEN routes that abort toward two clusters WHEN aborts are flushed THEN none is credited to either and they are counted as unattributed', () => {
      const twoTargets = (_proxyId: string) => [{ cluster: REVIEWS_V1, abortStatus: 503, delays: false }, { cluster: REVIEWS_V3, abortStatus: 500, delays: false }];
      const telemetry = store({ faultTargets: twoTargets });
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record([...clusterStats(REVIEWS_V1, { responses: { 200: 5 } }), ...connectionManagerStats(statPrefix, { faultAborts: 4 })], T0 + 5000);

      expect(telemetry.total({ windowMs: 60_000 }, T0 + 5000)!.resilience.faultAbortsPerSecond).toBe(0);
      expect(telemetry.counters.unattributedFaultAborts).toBe(4);
    });

    test('GIVEN circuit-breaker overflows WHEN flushed THEN they are the UO share of the 503s, which never reached the destination', () => {
      const telemetry = store();
      telemetry.openStream(reviewsV1, T0);
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record(clusterStats(REVIEWS_V1, { responses: { 200: 6, 503: 4 }, overflows: 3, latenciesMs: Array(7).fill(2) }), T0 + 5000);

      const source = [...telemetry.istio.all()].find((record) => record.labels.reporter === 'source')!;
      const destination = [...telemetry.istio.all()].find((record) => record.labels.reporter === 'destination')!;
      expect(Object.fromEntries([...source.responses].map(([key, totals]) => [key, totals.count]))).toEqual({ '200|-|': 6, '503|UO|': 3, '503|-|': 1 });
      expect(Object.fromEntries([...destination.responses].map(([key, totals]) => [key, totals.count]))).toEqual({ '200|-|': 6, '503|-|': 1 });
      expect(telemetry.total({ windowMs: 60_000 }, T0 + 5000)!.resilience.circuitBreakerOverflowsPerSecond).toBeCloseTo(3 / 5, 10);
    });
  });

  describe('memory bounds', () => {
    test('GIVEN a series cap WHEN a further destination appears THEN it is refused and counted, and the kept series go on', () => {
      const telemetry = store({ maxSeries: 1 });
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record([...requests(10), ...clusterStats(RATINGS, { responses: { 200: 5 } })], T0 + 5000);

      expect(telemetry.seriesCount).toBe(1);
      expect(telemetry.counters.seriesRefused).toBe(1);
      expect(telemetry.total({ windowMs: 60_000, destinationHost: REVIEWS_HOST }, T0 + 5000)!.requestsPerSecond).toBeCloseTo(2, 10);
    });

    test('GIVEN clusters a proxy only ever sent zeros for WHEN flushed THEN no series is made for them', () => {
      const telemetry = store();
      const stream = telemetry.openStream(productpage(1), T0);
      stream.record([...clusterStats(REVIEWS_V1, {}), ...clusterStats(RATINGS, {}), ...clusterStats('xds-grpc', { responses: { 200: 3 } })], T0 + 5000);

      expect(telemetry.seriesCount).toBe(0);
    });
  });
});

function istioRequests(telemetry: TelemetryStore): number {
  let total = 0;
  for (const record of telemetry.istio.all()) {
    if (record.labels.reporter !== 'source') continue;
    for (const response of record.responses.values()) total += response.count;
  }
  return total;
}
