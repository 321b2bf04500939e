/**
 * The observatory shares a window's merged traffic between requests for at most one stats flush
 * interval: within it a graph is the one merged at the start, after it (or for another window, an
 * earlier read time or another source) the traffic is merged again.
 */
import { DEFAULT_STATS_FLUSH_INTERVAL_MS } from '../../src/model';
import { buildObservatoryGraph } from '../../src/observatory/build-graph';
import { Observatory } from '../../src/observatory/observatory';
import type { ObservatoryGraph } from '../../src/observatory/observatory-graph';
import type { ObservatoryInputs, TrafficSource } from '../../src/observatory/observatory-inputs';
import { CANARY_TRAFFIC, destination, fakeTraffic, observatoryInputs, PRODUCTPAGE, REVIEWS_HOST } from './observatory-fixture';

const CALLER_EDGE = 'traffic:workload:shop/productpage-v1->service:shop/reviews';
const ONLY_V1 = [{ source: PRODUCTPAGE, destination: destination(REVIEWS_HOST, 'v1', 'v1'), requestsPerSecond: 4, p99Ms: 7 }];

/** Traffic that can change between requests, counting how often it is merged. */
class ChangingTraffic implements TrafficSource {
  current = fakeTraffic(CANARY_TRAFFIC);
  merges = 0;

  groupedTotals(...args: Parameters<TrafficSource['groupedTotals']>) {
    this.merges += 1;
    return this.current.groupedTotals(...args);
  }
}

function setup() {
  const traffic = new ChangingTraffic();
  const base = observatoryInputs({ traffic });
  const clock = { now: base.now };
  const inputs = (): ObservatoryInputs => ({ ...base, now: clock.now });
  return { traffic, clock, inputs, observatory: new Observatory(inputs) };
}

const callerRate = (graph: ObservatoryGraph) => graph.edges.find((edge) => edge.id === CALLER_EDGE)?.traffic?.requestsPerSecond;

describe('observatory: merged traffic shared for one flush interval', () => {
  test('GIVEN a graph just drawn WHEN the traffic changes THEN graphs within the interval show the first merge and the next one after it shows the new traffic', () => {
    const { traffic, clock, observatory } = setup();
    const start = clock.now;
    expect(callerRate(observatory.graph({ windowMs: 60_000 }))).toBe(10);
    traffic.current = fakeTraffic(ONLY_V1);

    clock.now = start + DEFAULT_STATS_FLUSH_INTERVAL_MS - 1;
    const shared = observatory.graph({ windowMs: 60_000 });
    expect(callerRate(shared)).toBe(10);
    expect(shared.generatedAt).toBe(new Date(clock.now).toISOString());
    expect(traffic.merges).toBe(1);
    // A fresh graph never shares.
    expect(callerRate(observatory.freshGraph({ windowMs: 60_000 }))).toBe(4);

    clock.now = start + DEFAULT_STATS_FLUSH_INTERVAL_MS;
    expect(callerRate(observatory.graph({ windowMs: 60_000 }))).toBe(4);
  });

  test('GIVEN a shared merge WHEN a graph uses it THEN it equals the graph built from scratch at the time of the merge, but for its time', () => {
    const { clock, inputs, observatory } = setup();
    const atMerge = inputs();
    observatory.graph({ windowMs: 60_000, namespace: 'shop' });
    clock.now += 3000;

    const shared = observatory.graph({ windowMs: 60_000, namespace: 'shop' });
    const reference = buildObservatoryGraph(atMerge, { windowMs: 60_000, namespace: 'shop' });

    expect({ ...shared, generatedAt: undefined }).toEqual({ ...reference, generatedAt: undefined });
  });

  test.each([
    ['another window', (clock: { now: number }) => ({ windowMs: 300_000, now: clock.now + 1000 })],
    ['an earlier read time', (clock: { now: number }) => ({ windowMs: 60_000, now: clock.now - 1000 })],
  ])('GIVEN a shared merge WHEN a graph asks for %s THEN the traffic is merged again', (_, ask) => {
    const { traffic, clock, observatory } = setup();
    observatory.graph({ windowMs: 60_000 });
    traffic.current = fakeTraffic(ONLY_V1);
    const { windowMs, now } = ask(clock);
    clock.now = now;

    expect(callerRate(observatory.graph({ windowMs }))).toBe(4);
    expect(traffic.merges).toBe(2);
  });

  test('GIVEN validations and a graph of the validation window WHEN asked within the interval THEN they share one merge', () => {
    const { traffic, observatory } = setup();
    observatory.validations();
    observatory.graph({ windowMs: 60_000 });
    expect(traffic.merges).toBe(1);
  });
});
