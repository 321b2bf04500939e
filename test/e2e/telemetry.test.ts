/**
 * Data-plane telemetry end to end: real Envoy sidecars carry real traffic on loopback (a 90/10
 * canary, a route aborting half its requests, a TCP service, mTLS between sidecars), stream their
 * stats to the reconciler, whose `/metrics` passes `promtool check metrics` and is scraped by a
 * real Prometheus; Prometheus' HTTP API then shows the counts, shares, error ratio and mTLS the
 * traffic made, and so does the reconciler's own edge store.
 *
 * Assertions are exact for counts (every request is counted once), within four standard
 * deviations for random splits, and within bounds that follow from Prometheus' extrapolation
 * (not from timing) for `increase()`.
 */
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { PrometheusServer, prometheusBinaries, promtoolCheckMetrics } from './support/prometheus';
import { waitUntil } from '../../reconciler/test/support/wait';
import { AbortFault, CanaryRelease, ChaosExperiment, Mesh, MeshService, ServiceProtocol } from '../../src';

const CLIENT = 'productpage';
const CANARY_WEIGHT = 10;
const ABORT_PERCENT = 50;
const WARMUP = 20;
const REVIEWS_REQUESTS = 2000;
const RATINGS_REQUESTS = 1000;
const TCP_REQUESTS = 50;
const SCRAPE_SECONDS = 1;

function declareMesh(chart: Chart, mesh: Mesh): void {
  const service = (name: string, versions: string[], protocol = ServiceProtocol.HTTP, port = 9080) => new MeshService(chart, `Service-${name}`, {
    mesh, name, ports: [{ port, protocol }], versions: versions.map((version) => ({ name: version, image: `example.com/${name}:${version}` })),
  });
  new CanaryRelease(chart, 'ReviewsCanary', { service: service('reviews', ['v1', 'v2']), stable: 'v1', canary: 'v2', canaryWeight: CANARY_WEIGHT });
  new ChaosExperiment(chart, 'RatingsHalfAbort', { service: service('ratings', ['v1']), abort: AbortFault.httpStatus(503, ABORT_PERCENT) });
  service('ledger', ['v1'], ServiceProtocol.TCP, 7070);
}

/** Four standard deviations of a share `p` measured over `n` independent requests. */
const fourSigma = (p: number, n: number) => 4 * Math.sqrt((p * (1 - p)) / n);

const SOURCE_REVIEWS = 'istio_requests_total{reporter="source",source_workload="productpage-v1",destination_service_name="reviews"}';
const SOURCE_RATINGS = 'istio_requests_total{reporter="source",source_workload="productpage-v1",destination_service_name="ratings"}';
const DESTINATION_REVIEWS = 'istio_requests_total{reporter="destination",destination_service_name="reviews"}';

describe('telemetry: real Envoy stats → reconciler /metrics → real Prometheus', () => {
  let mesh: MeshScenario;
  let prometheus: PrometheusServer;
  let promtool: string;
  let measuredFrom: number;
  let observedV2Share: number;
  let observedAbortShare: number;
  /** 503s the client saw, warm-up included: each one an injected abort. */
  let abortsSeen: number;
  let warmReviews = 0;
  let warmRatings = 0;

  beforeAll(async () => {
    const binaries = prometheusBinaries();
    promtool = binaries.promtool;
    mesh = await startMeshScenario({
      name: 'telemetry',
      build: declareMesh,
      workloads: [
        { service: 'reviews', version: 'v1' }, { service: 'reviews', version: 'v2' },
        { service: 'ratings', version: 'v1' }, { service: 'ledger', version: 'v1' },
      ],
      clients: [{ name: CLIENT, labels: { version: 'v1' } }],
      serverSidecars: true,
    });
    prometheus = await PrometheusServer.start(binaries.prometheus, [`127.0.0.1:${mesh.reconciler.opsPort}`], SCRAPE_SECONDS);

    // Warm-up: every series (both versions, both outcomes) exists and Prometheus holds it before
    // the measured traffic starts, so rate() over the measured range sees all of that traffic.
    let warmV2 = 0;
    while (warmV2 === 0) {
      warmV2 += ((await mesh.sendMany(WARMUP, CLIENT, { service: 'reviews' })).share('v2') * WARMUP) / 100;
      warmReviews += WARMUP;
    }
    const warmStatuses: Record<string, number> = {};
    while (!warmStatuses[200] || !warmStatuses[503]) {
      for (const [status, count] of Object.entries((await mesh.sendMany(WARMUP, CLIENT, { service: 'ratings' })).statuses)) warmStatuses[status] = (warmStatuses[status] ?? 0) + count;
      warmRatings += WARMUP;
    }
    await waitForPrometheus(`sum(${SOURCE_REVIEWS})`, warmReviews);
    await waitForPrometheus(`sum(${SOURCE_RATINGS})`, warmRatings);
    measuredFrom = Date.now();

    const reviews = await mesh.sendMany(REVIEWS_REQUESTS, CLIENT, { service: 'reviews' });
    const ratings = await mesh.sendMany(RATINGS_REQUESTS, CLIENT, { service: 'ratings' });
    const ledger = await mesh.sendMany(TCP_REQUESTS, CLIENT, { service: 'ledger', port: 7070 });
    expect([reviews.errors, ratings.errors, ledger.errors]).toEqual([[], [], []]);
    expect(ledger.statuses).toEqual({ 200: TCP_REQUESTS });
    observedV2Share = reviews.share('v2') / 100;
    observedAbortShare = (ratings.statuses[503] ?? 0) / RATINGS_REQUESTS;
    abortsSeen = warmStatuses[503] + (ratings.statuses[503] ?? 0);
    await waitForPrometheus(`sum(${SOURCE_REVIEWS})`, warmReviews + REVIEWS_REQUESTS);
    await waitForPrometheus(`sum(${SOURCE_RATINGS})`, warmRatings + RATINGS_REQUESTS);
    // Destination reports come from the same flushes: every request, warm-up included, once reviews' sidecars are connected.
    await waitForPrometheus(`sum(${DESTINATION_REVIEWS})`, warmReviews + REVIEWS_REQUESTS);
  }, 900_000);

  afterAll(async () => {
    await prometheus?.stop();
    await mesh?.stop();
  });

  async function waitForPrometheus(promql: string, expected: number): Promise<void> {
    let last = NaN;
    try {
      await waitUntil(`Prometheus to show ${promql} = ${expected}`, async () => {
        last = await prometheus.scalar(promql);
        return last === expected;
      }, 60_000, 250);
    } catch (error) {
      throw new Error(`${(error as Error).message}; last value ${last} (Prometheus log: ${prometheus.logFile})`);
    }
  }

  /** A range covering the measured traffic and flat warm-up samples before it (a few scrapes' margin). */
  const RANGE_MARGIN_SECONDS = 4 * SCRAPE_SECONDS;
  const measuredRange = () => `${Math.ceil((Date.now() - measuredFrom) / 1000) + RANGE_MARGIN_SECONDS}s`;
  /**
   * The most rate() can stretch one series' increase over `range`: it extrapolates each series to the
   * range edges by up to 1.1 scrape intervals at each end, and cuts that short where the counter would
   * reach zero, which depends on the series' own values. Two series' rate ratio may therefore differ
   * from their increase ratio by this factor either way, whatever the load.
   */
  const extrapolationFactor = (range: string) =>
    1 + (2.2 * SCRAPE_SECONDS) / (Number(range.slice(0, -1)) - RANGE_MARGIN_SECONDS);
  const expectWithinExtrapolation = (rateShare: number, countedShare: number, range: string) => {
    const factor = extrapolationFactor(range);
    expect(rateShare).toBeGreaterThanOrEqual(countedShare / factor - 1e-9);
    expect(rateShare).toBeLessThanOrEqual(countedShare * factor + 1e-9);
  };

  test('GIVEN the reconciler\'s exposition WHEN promtool checks it THEN it parses, and the lint finds nothing but Istio\'s own millisecond metric name', () => mesh.run(async () => {
    const exposition = await mesh.reconciler.opsText('/metrics');
    expect(exposition).toContain('istio_request_duration_milliseconds_bucket');

    const parsed = promtoolCheckMetrics(promtool, exposition, ['--lint=none', '--extended']);
    expect(parsed.ok).toBe(true);
    expect(parsed.output).toContain('istio_requests_total');
    // Prometheus prefers base units; Istio's standard name (which dashboards and Kiali query) is in
    // milliseconds, so that one finding is expected and kept.
    const linted = promtoolCheckMetrics(promtool, exposition);
    expect(linted.output.trim().split('\n')).toEqual(['istio_request_duration_milliseconds use base unit "seconds" instead of "milliseconds"']);
  }));

  test(`GIVEN ${REVIEWS_REQUESTS} canary requests WHEN Prometheus is asked THEN it counts every one and v2's rate share is within 4σ of ${CANARY_WEIGHT} %`, () => mesh.run(async () => {
    const range = measuredRange();
    const v2 = await prometheus.scalar(`sum(rate(${SOURCE_REVIEWS.replace('}', ',destination_version="v2"}')}[${range}]))`);
    const all = await prometheus.scalar(`sum(rate(${SOURCE_REVIEWS}[${range}]))`);

    expect(await prometheus.scalar(`sum(${SOURCE_REVIEWS})`)).toBe(warmReviews + REVIEWS_REQUESTS);
    expect(Math.abs(v2 / all - CANARY_WEIGHT / 100)).toBeLessThanOrEqual(fourSigma(CANARY_WEIGHT / 100, REVIEWS_REQUESTS));
    expectWithinExtrapolation(v2 / all, observedV2Share, range);
  }));

  test('GIVEN the measured phase WHEN increase() covers it THEN Prometheus sees the requests sent, give or take its extrapolation to the range edges', () => mesh.run(async () => {
    const seconds = Number(measuredRange().slice(0, -1));
    const increase = await prometheus.scalar(`sum(increase(${SOURCE_REVIEWS}[${seconds}s]))`);

    // The range starts and ends on flat samples, so extrapolation only stretches the difference,
    // by at most 1.1 scrape intervals at each end of the sampled span.
    expect(increase).toBeGreaterThanOrEqual(REVIEWS_REQUESTS - 1e-6);
    expect(increase).toBeLessThanOrEqual(REVIEWS_REQUESTS * extrapolationFactor(`${seconds}s`));
  }));

  test(`GIVEN a route aborting ${ABORT_PERCENT} % WHEN Prometheus is asked THEN the 5xx rate ratio is within 4σ and the aborts carry response_flags FI`, () => mesh.run(async () => {
    const range = measuredRange();
    const errors = await prometheus.scalar(`sum(rate(${SOURCE_RATINGS.replace('}', ',response_code=~"5.."}')}[${range}]))`);
    const all = await prometheus.scalar(`sum(rate(${SOURCE_RATINGS}[${range}]))`);
    const injected = await prometheus.scalar(`sum(${SOURCE_RATINGS.replace('}', ',response_code="503",response_flags="FI"}')})`);
    const unflagged = await prometheus.query(`sum(${SOURCE_RATINGS.replace('}', ',response_code="503",response_flags="-"}')})`);

    expect(Math.abs(errors / all - ABORT_PERCENT / 100)).toBeLessThanOrEqual(fourSigma(ABORT_PERCENT / 100, RATINGS_REQUESTS));
    expect(injected).toBe(abortsSeen);
    expectWithinExtrapolation(errors / all, observedAbortShare, range);
    expect(unflagged).toEqual([]);
  }));

  test('GIVEN sidecars on both ends WHEN Prometheus is asked for destination reports THEN every request that reached reviews was mutual TLS', () => mesh.run(async () => {
    const mutual = await prometheus.scalar(`sum(${DESTINATION_REVIEWS.replace('}', ',connection_security_policy="mutual_tls"}')})`);
    const plain = await prometheus.query('sum(istio_requests_total{reporter="destination",destination_service_name="reviews",connection_security_policy!="mutual_tls"})');

    expect(mutual).toBe(warmReviews + REVIEWS_REQUESTS);
    expect(plain).toEqual([]);
    const principals = await prometheus.query('count by (source_principal, destination_principal) (istio_requests_total{reporter="destination",destination_service_name="reviews"})');
    expect(principals.map((sample) => sample.metric)).toEqual([{
      source_principal: 'spiffe://cluster.local/ns/default/sa/productpage', destination_principal: 'spiffe://cluster.local/ns/default/sa/reviews',
    }]);
  }));

  test('GIVEN the latency histograms WHEN Prometheus computes quantiles THEN they are ordered and finite', () => mesh.run(async () => {
    const quantile = (q: number) => prometheus.scalar(
      `histogram_quantile(${q}, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="source",destination_service_name="reviews"}[${measuredRange()}])))`);
    const [p50, p99] = [await quantile(0.5), await quantile(0.99)];

    expect(p50).toBeGreaterThan(0);
    expect(p99).toBeGreaterThanOrEqual(p50);
    expect(p99).toBeLessThan(5000);
  }));

  test(`GIVEN ${TCP_REQUESTS} requests over a TCP port WHEN Prometheus is asked THEN the TCP metrics show the connections and bytes both ways`, () => mesh.run(async () => {
    await waitUntil('the TCP metrics to be scraped', async () => (await prometheus.query('istio_tcp_connections_opened_total{destination_service_name="ledger"}')).length > 0, 30_000, 250);
    const tcp = (metric: string) => prometheus.scalar(`sum(${metric}{reporter="source",destination_service_name="ledger",request_protocol="tcp"})`);

    expect(await tcp('istio_tcp_connections_opened_total')).toBeGreaterThanOrEqual(1);
    // Each request line and header block is well over 50 bytes; each reply carries a JSON body.
    expect(await tcp('istio_tcp_received_bytes_total')).toBeGreaterThan(TCP_REQUESTS * 50);
    expect(await tcp('istio_tcp_sent_bytes_total')).toBeGreaterThan(TCP_REQUESTS * 50);
  }));

  test('GIVEN the same traffic WHEN the reconciler\'s own edge store is asked THEN it shows the canary share, the abort ratio and mTLS', () => mesh.run(async () => {
    interface Edge {
      direction: string;
      destination: { service?: { name: string }; version: string };
      requestsPerSecond: number;
      errorRatio?: number;
      mtlsShare?: number;
      resilience: { faultAbortsPerSecond: number };
    }
    const { edges } = await mesh.reconcilerOps<{ edges: Edge[] }>('/debug/traffic?window=5m');
    const to = (service: string, direction = 'outbound') => edges.filter((edge) =>
      edge.direction === direction && edge.destination.service?.name === service && edge.requestsPerSecond > 0);
    const reviews = to('reviews');
    const total = reviews.reduce((sum, edge) => sum + edge.requestsPerSecond, 0);
    const v2 = reviews.find((edge) => edge.destination.version === 'v2')!;
    const [ratings] = to('ratings');

    const share = v2.requestsPerSecond / total;
    expect(Math.abs(share - CANARY_WEIGHT / 100)).toBeLessThanOrEqual(fourSigma(CANARY_WEIGHT / 100, warmReviews + REVIEWS_REQUESTS));
    expect(Math.abs(ratings.errorRatio! - ABORT_PERCENT / 100)).toBeLessThanOrEqual(fourSigma(ABORT_PERCENT / 100, warmRatings + RATINGS_REQUESTS));
    expect(ratings.resilience.faultAbortsPerSecond).toBeGreaterThan(0);
    for (const edge of reviews) expect(edge.mtlsShare).toBe(1);
    // The server sidecars' own view: both versions received, over mTLS connections only.
    expect(to('reviews', 'inbound').map((edge) => [edge.destination.version, edge.mtlsShare]).sort()).toEqual([['v1', 1], ['v2', 1]]);
  }));
});
