/**
 * The merged queries (every edge at once, grouped totals, the observatory's traffic index) against
 * the plainest one, `total()` of a query that selects exactly one edge or group, on random
 * traffic: pods of one workload, several destinations, restarts (counter resets on a new stream),
 * proxies that go away for good, and windows and read times of every size.
 */
import * as fc from 'fast-check';
import { callerKey, trafficIndex, versionKey } from '../../src/observatory/traffic-index';
import type { ProxyIdentity } from '../../src/push/contract';
import type { EdgeTraffic } from '../../src/telemetry/edge-traffic';
import type { EnvoyMetric } from '../../src/telemetry/metrics-wire';
import { ProxyStatsStream, TelemetryStore, TrafficQuery } from '../../src/telemetry/telemetry-store';
import { TrafficDestinations } from '../../src/telemetry/traffic-destination';
import { UNKNOWN } from '../../src/telemetry/workload-peer';
import { clusterStats, connectionManagerStats, evenLatencies, uptime } from '../support/envoy-stats';
import { BOOKINFO, loadPushContext, proxy } from '../generators/fixture-loader';

const push = loadPushContext(BOOKINFO);
const T0 = 1_800_000_000_000;
const FLUSH_MS = 5000;
const OUTBOUND = ['outbound|9080|v1|reviews.bookinfo.svc.cluster.local', 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local', 'outbound|9080||ratings.bookinfo.svc.cluster.local'];
const INBOUND = 'inbound|9080||';

const pod = (app: string, version: string, index: number): ProxyIdentity => proxy({
  name: `${app}-${version}-${index}`, namespace: 'bookinfo', serviceAccount: `bookinfo-${app}`, labels: { app, version }, instanceIp: `127.0.2.${index}`,
});
/** Two pods of one productpage workload, one of another version, and a reviews pod reporting inbound. */
const PROXIES = [pod('productpage', 'v1', 1), pod('productpage', 'v1', 2), pod('productpage', 'v2', 3), pod('reviews', 'v1', 4)];

/** What one proxy does at one flush time. */
interface Step {
  /** Requests per destination cluster (0: none that interval). */
  readonly requests: readonly number[];
  readonly errorShare: number;
  readonly tls: boolean;
  /** The Envoy restarts before this flush: its stream ends and a new one reports counts from 0. */
  readonly restart: boolean;
}

interface ProxyPlan {
  readonly steps: readonly Step[];
  /** After this many flushes the proxy goes away for good (undefined: it stays). */
  readonly departsAfter?: number;
}

const step = fc.record({
  requests: fc.array(fc.nat({ max: 40 }), { minLength: OUTBOUND.length, maxLength: OUTBOUND.length }),
  errorShare: fc.double({ min: 0, max: 1, noNaN: true }),
  tls: fc.boolean(),
  restart: fc.integer({ min: 0, max: 3 }).map((value) => value === 0),
});
const plan = fc.record({ steps: fc.array(step, { minLength: 1, maxLength: 40 }), departsAfter: fc.option(fc.nat({ max: 40 }), { nil: undefined }) });

function flushOf(identity: ProxyIdentity, s: Step, first: boolean): EnvoyMetric[] {
  const metrics: EnvoyMetric[] = first ? [uptime(s.restart ? 2 : 3600)] : [];
  const inbound = identity.labels.app === 'reviews';
  const clusters = inbound ? [INBOUND] : OUTBOUND;
  clusters.forEach((cluster, index) => {
    const count = s.requests[index];
    if (count === 0) return;
    const errors = Math.round(count * s.errorShare);
    const notFound = Math.floor((count - errors) / 4);
    metrics.push(...clusterStats(cluster, {
      responses: { 200: count - errors - notFound, 404: notFound, 503: errors }, latenciesMs: evenLatencies(count, 1, 400),
      connectionsOpened: 1, tlsHandshakes: s.tls ? 1 : 0, sentBytes: count * 100, receivedBytes: count * 300,
    }));
  });
  if (inbound) metrics.push(...connectionManagerStats('inbound_9080', { connections: 2, tlsConnections: s.tls ? 2 : 1 }));
  return metrics;
}

/** Replays the plans (proxies at their own phase within each interval) and returns the time of the last flush. */
function replay(store: TelemetryStore, plans: readonly ProxyPlan[]): number {
  let last = T0;
  const streams: (ProxyStatsStream | undefined)[] = plans.map(() => undefined);
  const rounds = Math.max(...plans.map((p) => p.steps.length));
  for (let round = 0; round < rounds; round += 1) {
    plans.forEach((p, index) => {
      const s = p.steps[round];
      if (!s || (p.departsAfter !== undefined && round >= p.departsAfter)) {
        if (p.departsAfter !== undefined && round === p.departsAfter) streams[index]?.close(T0 + round * FLUSH_MS);
        return;
      }
      const at = T0 + (round + 1) * FLUSH_MS + index * 700;
      let first = false;
      if (!streams[index] || s.restart) {
        streams[index]?.close(at - 1500);
        streams[index] = store.openStream(PROXIES[index], at - 1000);
        first = true;
      }
      streams[index]!.record(flushOf(PROXIES[index], s, first), at);
      last = Math.max(last, at);
    });
  }
  return last;
}

/**
 * Equal up to float rounding (the merged paths add the same rates in another order). A group's
 * source and destination are those of one of its series, which one differing between paths.
 */
function expectSameGroup(actual: EdgeTraffic | undefined, expected: EdgeTraffic | undefined): void {
  expect(actual).toBeDefined();
  expect(expected).toBeDefined();
  expectSameTraffic({ ...actual, source: undefined, destination: undefined }, { ...expected, source: undefined, destination: undefined });
}

function expectSameTraffic(actual: unknown, expected: unknown, path = 'traffic'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) throw new Error(`${path}: ${actual} differs from the reference ${expected}`);
    return;
  }
  if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) expectSameTraffic((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
    return;
  }
  if (actual !== expected) throw new Error(`${path}: ${String(actual)} differs from the reference ${String(expected)}`);
}

/** The query that selects exactly the series of one edge in this mesh (hosts, subsets and versions tell the clusters apart). */
function edgeQuery(edge: EdgeTraffic, windowMs: number): TrafficQuery {
  return edge.direction === 'inbound'
    ? { windowMs, direction: 'inbound', destinationHost: edge.destination.service?.host, destinationVersion: edge.destination.version }
    : {
      windowMs, direction: 'outbound', sourceNamespace: edge.source.namespace, sourceWorkload: edge.source.workload,
      destinationHost: edge.destination.service?.host, destinationSubset: edge.destination.subset, destinationVersion: edge.destination.version,
    };
}

const WINDOWS = fc.oneof(fc.constantFrom(10_000, 60_000, 300_000, 900_000), fc.integer({ min: 1000, max: 900_000 }));
const scenario = fc.record({ plans: fc.array(plan, { minLength: PROXIES.length, maxLength: PROXIES.length }), windowMs: WINDOWS, readAfterMs: fc.nat({ max: 20 * 60_000 }) });

describe('merged telemetry queries against one total per edge', () => {
  test('GIVEN random traffic with restarts and departed proxies WHEN every edge is read at once THEN each equals the total of a query for that edge alone', () => {
    fc.assert(fc.property(scenario, ({ plans, windowMs, readAfterMs }) => {
      const store = new TelemetryStore({ destinations: new TrafficDestinations(() => push), trustDomain: 'cluster.local' });
      const now = replay(store, plans) + readAfterMs;
      const edges = store.edges({ windowMs }, now);
      // `total` names no source: the rest must match.
      for (const edge of edges) expectSameGroup(edge, store.total(edgeQuery(edge, windowMs), now));
      // Nothing is lost: the edges' requests add up to everything's.
      const everything = store.total({ windowMs }, now);
      const summed = edges.reduce((sum, edge) => sum + edge.requestsPerSecond, 0);
      expect(summed).toBeCloseTo(everything?.requestsPerSecond ?? 0, 9);
      expect(edges.reduce((sum, edge) => sum + edge.reporters, 0)).toBe(everything?.reporters ?? 0);
    }), { numRuns: 150 });
  });

  test('GIVEN random traffic with restarts and departed proxies WHEN the graph indexes it four ways in one pass THEN each group equals the total of its own query', () => {
    fc.assert(fc.property(scenario, ({ plans, windowMs, readAfterMs }) => {
      const store = new TelemetryStore({ destinations: new TrafficDestinations(() => push), trustDomain: 'cluster.local' });
      const now = replay(store, plans) + readAfterMs;
      const index = trafficIndex(store, windowMs, now);
      const outbound = store.edges({ windowMs, direction: 'outbound' }, now);
      const inbound = store.edges({ windowMs, direction: 'inbound' }, now);
      const hosts = new Set(outbound.map((edge) => edge.destination.service!.host));
      expect([...index.byHost.keys()].sort()).toEqual([...hosts].sort());
      for (const host of hosts) expectSameGroup(index.byHost.get(host), store.total({ windowMs, direction: 'outbound', destinationHost: host }, now));
      const callers = new Set(outbound.map((edge) => callerKey(edge.source, edge.destination.service!.host)));
      expect([...index.byCaller.keys()].sort()).toEqual([...callers].sort());
      for (const edge of outbound) {
        const host = edge.destination.service!.host;
        expectSameGroup(index.byCaller.get(callerKey(edge.source, host)), store.total({
          windowMs, direction: 'outbound', sourceNamespace: edge.source.namespace, sourceWorkload: edge.source.workload, destinationHost: host,
        }, now));
        if (edge.destination.version !== UNKNOWN) {
          expectSameGroup(index.byVersion.get(versionKey(host, edge.destination.version)), store.total({
            windowMs, direction: 'outbound', destinationHost: host, destinationVersion: edge.destination.version,
          }, now));
        }
      }
      expect(index.inboundByHost.size).toBe(inbound.length);
      for (const edge of inbound) {
        const host = edge.destination.service!.host;
        expectSameGroup(index.inboundByHost.get(host), store.total({ windowMs, direction: 'inbound', destinationHost: host }, now));
      }
    }), { numRuns: 150 });
  });
});
