/**
 * Scenario: real Kiali draws this mesh. A bookinfo-like mesh runs on the real cluster (real Envoys
 * behind iptables capture, one reconciler); steady traffic flows productpage → details and reviews
 * v1/v2/v3, reviews v2/v3 → ratings, half of the details calls answered 500. The sidecars stream
 * their stats to the reconciler (reviews is routed by subset, an even three-way split, so its
 * versions are told apart), a real Prometheus scrapes its `/metrics`, and a real Kiali reads
 * Prometheus and the API server. Kiali's graph API then shows the nodes per version, every edge
 * with a rate that matches the calls the test made, the details error share, and mutual TLS on
 * the STRICT edges only; its app list shows the apps with their health.
 *
 * One reconciler replica: a destination report is emitted by the replica holding the source's
 * stream, and with several replicas (each scraped) the series of one edge would come from several
 * targets; one replica keeps the scenario about Kiali, not about scrape merging.
 */
import { Chart, Testing } from 'cdk8s';
import type { Cluster } from './cluster/cluster';
import { startCluster } from './cluster/cluster';
import { ensureTestBinaries } from './cluster/test-binaries';
import type { Pod } from './node-agent/pod-types';
import { KialiEdge, KialiGraph, KialiNode, KialiServer } from './support/kiali-server';
import { reconcilerOps } from './support/mesh-observation';
import { SteadyTraffic } from './support/steady-traffic';
import { applyIstioCrds } from './support/synthesized';
import { MESH_NAMESPACE } from './support/two-namespace-mesh';
import { DEFAULT_ISTIO_CLUSTER_NAME } from '../../reconciler/src/telemetry/istio-labels';
import { ABTest, IMeshService, Mesh, MeshService, MtlsMode, MtlsPolicy, ServiceProtocol } from '../../src';
import { RECONCILER_PORTS } from '../../src/model';
import { PrometheusServer, promtoolCheckMetrics } from '../e2e/support/prometheus';

const NAMESPACE = 'bookinfo';
const SCRAPE_SECONDS = 1;
/** The graph's window, as Kiali's console asks for it by default. */
const WINDOW_SECONDS = 60;
/**
 * How far the metrics may trail the calls: Envoy's stats flush (5 s), the reconciler, a scrape.
 * Only bounds the rate check; the counts in a window hardly move with it while traffic is steady.
 */
const MAX_LAG_SECONDS = 20;
/** How far one edge of the window can move on its own: Envoy's 5 s stats flush and two scrapes. */
const EDGE_SECONDS = 5 + 2 * SCRAPE_SECONDS;
const DETAILS_BATCH = 5;

const url = (service: string, path = '/') => `http://${service}.${NAMESPACE}.svc.cluster.local:9080${path}`;

function synthesizeBookinfo(): string {
  const app = Testing.app();
  const chart = new Chart(app, 'kiali-bookinfo');
  const mesh = new Mesh(chart, 'Mesh', { replicas: 1 });
  const service = (name: string, versions: string[], dependencies: IMeshService[] = []) => new MeshService(chart, name, {
    mesh,
    name,
    namespace: NAMESPACE,
    ports: [{ name: 'http', port: 9080, protocol: ServiceProtocol.HTTP }],
    dependencies,
    versions: versions.map((version) => ({ name: version, image: `docker.io/istio/examples-bookinfo-${name}-${version}:1.20.2` })),
  });
  const ratings = service('ratings', ['v1']);
  const reviews = service('reviews', ['v1', 'v2', 'v3'], [ratings]);
  const details = service('details', ['v1']);
  service('productpage', ['v1'], [details, reviews]);
  // Routed by subset: Envoy counts per cluster, so a route to the whole service could not say which version answered.
  new ABTest(chart, 'ReviewsEvenSplit', { service: reviews, variants: [{ version: 'v1' }, { version: 'v2' }, { version: 'v3' }] });
  new MtlsPolicy(chart, 'ReviewsStrict', { mesh, mode: MtlsMode.STRICT, service: reviews });
  new MtlsPolicy(chart, 'RatingsStrict', { mesh, mode: MtlsMode.STRICT, service: ratings });
  new MtlsPolicy(chart, 'DetailsPlaintext', { mesh, mode: MtlsMode.DISABLE, service: details });
  return app.synthYaml();
}

let cluster: Cluster;
let reconciler: Pod;
let prometheus: PrometheusServer;
let promtool: string;
let kiali: KialiServer;
let traffic: SteadyTraffic;

/** The graph as Kiali answered it, and when it was asked (epoch ms). */
let graph: KialiGraph;
let graphAskedAt: number;

beforeAll(async () => {
  const binary = ensureTestBinaries(['prometheus', 'promtool', 'kiali']);
  promtool = binary('promtool');
  cluster = await startCluster({ name: 'kiali' });
  await applyIstioCrds(cluster);
  await cluster.apply(synthesizeBookinfo());
  [reconciler] = await cluster.waitForPods(MESH_NAMESPACE, 'app=mesh-reconciler', { timeoutMs: 180_000 });
  const pod = async (app: string, version: string) => (await cluster.waitForPods(NAMESPACE, `app=${app},version=${version}`, { timeoutMs: 180_000 }))[0];
  const [productpage, reviewsV2, reviewsV3] = await Promise.all([pod('productpage', 'v1'), pod('reviews', 'v2'), pod('reviews', 'v3')]);
  await Promise.all([pod('reviews', 'v1'), pod('details', 'v1'), pod('ratings', 'v1')]);

  prometheus = await PrometheusServer.start(binary('prometheus'), [`${reconciler.status!.podIP!}:${RECONCILER_PORTS.monitoring}`], SCRAPE_SECONDS);
  kiali = await KialiServer.start({
    binary: binary('kiali'),
    runDir: cluster.runDir,
    kubeconfigFile: cluster.kubeconfigFile,
    clusterName: DEFAULT_ISTIO_CLUSTER_NAME,
    controlPlaneNamespace: MESH_NAMESPACE,
    prometheusUrl: `http://127.0.0.1:${prometheus.port}`,
  });

  traffic = SteadyTraffic.start(cluster, [
    { edge: 'productpage→reviews', from: productpage, url: url('reviews'), count: 12, expectedStatus: 200 },
    { edge: 'productpage→details 200', from: productpage, url: url('details'), count: DETAILS_BATCH, expectedStatus: 200 },
    { edge: 'productpage→details 500', from: productpage, url: url('details', '/status/500'), count: DETAILS_BATCH, expectedStatus: 500 },
    { edge: 'reviews-v2→ratings', from: reviewsV2, url: url('ratings'), count: 5, expectedStatus: 200 },
    { edge: 'reviews-v3→ratings', from: reviewsV3, url: url('ratings'), count: 5, expectedStatus: 200 },
  ]);
  // Every edge's destination-reported series (both details outcomes) is in Prometheus before the
  // window starts: from then on every window Kiali reads is steady traffic only.
  const destinationSeries = `istio_requests_total{reporter="destination",destination_service_namespace="${NAMESPACE}"}`;
  let seen: string[] = [];
  try {
    await cluster.waitFor('Prometheus to hold the destination series of all six edges and both details outcomes', async () => {
      seen = (await prometheus.query(destinationSeries)).map(({ metric }) => `${metric.source_workload} → ${metric.destination_workload} ${metric.response_code}`);
      return traffic.rounds > 0 && seen.length >= 7;
    }, 180_000, 1000);
  } catch (error) {
    const exposition = (await reconcilerOps(reconciler, '/metrics')).body.split('\n');
    const telemetry = exposition.filter((line) => line.startsWith('reconciler_telemetry') || line.startsWith('istio_requests_total'));
    throw new Error(`${(error as Error).message}\nseries seen: ${seen.join('; ')}\nreconciler: ${telemetry.join('\n')}`);
  }
  const steadyFrom = Date.now();
  await cluster.waitFor(`a full ${WINDOW_SECONDS} s window of steady traffic`, async () => Date.now() - steadyFrom > (WINDOW_SECONDS + MAX_LAG_SECONDS) * 1000, 200_000, 1000);
  graphAskedAt = Date.now();
  graph = await kiali.graph(NAMESPACE, WINDOW_SECONDS);
}, 900_000);

afterAll(async () => {
  await traffic?.stop().catch(() => undefined);
  await kiali?.stop();
  await prometheus?.stop();
  await cluster?.stop();
}, 120_000);

const nodeKey = (node: KialiNode | undefined) => (node ? `${node.app ?? node.workload ?? node.id} ${node.version ?? ''}`.trim() : 'missing node');

/** The graph's edges by `source app version → target app version`. */
function edgesByName(): Map<string, KialiEdge> {
  const nodes = new Map((graph.elements.nodes ?? []).map(({ data }) => [data.id, data]));
  return new Map((graph.elements.edges ?? []).map(({ data }) => [`${nodeKey(nodes.get(data.source))} → ${nodeKey(nodes.get(data.target))}`, data]));
}

const EDGES = [
  'productpage v1 → details v1',
  'productpage v1 → reviews v1',
  'productpage v1 → reviews v2',
  'productpage v1 → reviews v3',
  'reviews v2 → ratings v1',
  'reviews v3 → ratings v1',
];

const httpRate = (edge: KialiEdge | undefined) => Number(edge?.traffic?.rates?.http ?? NaN);

describe('real Kiali on the reconciler\'s metrics through a real Prometheus', () => {
  test('GIVEN the reconciler\'s exposition with live traffic WHEN promtool checks it THEN it parses and carries Istio\'s request metrics', async () => {
    const { status, body } = await reconcilerOps(reconciler, '/metrics');
    expect(status).toBe(200);
    expect(body).toContain('istio_requests_total{reporter="destination"');
    const parsed = promtoolCheckMetrics(promtool, body, ['--lint=none', '--extended']);
    expect(parsed.ok).toBe(true);
    expect(parsed.output).toContain('istio_requests_total');
    // The lint's one finding is Istio's own millisecond name, which Kiali queries as is.
    const linted = promtoolCheckMetrics(promtool, body);
    expect(linted.output.trim().split('\n')).toEqual(['istio_request_duration_milliseconds use base unit "seconds" instead of "milliseconds"']);
  });

  test('GIVEN a minute of steady traffic WHEN Kiali draws the versioned-app graph THEN it has a node per app version and exactly the edges the traffic made', () => {
    const nodes = (graph.elements.nodes ?? []).map(({ data }) => data).filter((node) => node.namespace === NAMESPACE && node.nodeType === 'app');
    expect(nodes.map(nodeKey).sort()).toEqual(['details v1', 'productpage v1', 'ratings v1', 'reviews v1', 'reviews v2', 'reviews v3']);
    expect([...edgesByName().keys()].sort()).toEqual(EDGES);
  });

  test('GIVEN the calls the test made WHEN Kiali shows each edge\'s request rate THEN it is within what the calls of the window can give', () => {
    const edges = edgesByName();
    const windowRate = (edgePrefix: string) => {
      // The window ends up to MAX_LAG_SECONDS before the question; each of its two edges moves by up
      // to EDGE_SECONDS more on its own (counts arrive a flush at a time, then a scrape later).
      let low = Infinity;
      let high = 0;
      for (let lag = 0; lag <= MAX_LAG_SECONDS * 1000; lag += 250) {
        const end = graphAskedAt - lag;
        low = Math.min(low, traffic.callsBetween(edgePrefix, end - (WINDOW_SECONDS - EDGE_SECONDS) * 1000, end - EDGE_SECONDS * 1000));
        high = Math.max(high, traffic.callsBetween(edgePrefix, end - (WINDOW_SECONDS + EDGE_SECONDS) * 1000, end));
      }
      return { low: low / WINDOW_SECONDS, high: high / WINDOW_SECONDS };
    };
    const details = windowRate('productpage→details');
    expect(httpRate(edges.get('productpage v1 → details v1'))).toBeGreaterThanOrEqual(details.low);
    expect(httpRate(edges.get('productpage v1 → details v1'))).toBeLessThanOrEqual(details.high);
    for (const version of ['v2', 'v3']) {
      const ratings = windowRate(`reviews-${version}→ratings`);
      expect(httpRate(edges.get(`reviews ${version} → ratings v1`))).toBeGreaterThanOrEqual(ratings.low);
      expect(httpRate(edges.get(`reviews ${version} → ratings v1`))).toBeLessThanOrEqual(ratings.high);
    }
    // The three versions share productpage's reviews calls (load balancing): each has some, and together all of them.
    const reviews = windowRate('productpage→reviews');
    const perVersion = ['v1', 'v2', 'v3'].map((version) => httpRate(edges.get(`productpage v1 → reviews ${version}`)));
    for (const rate of perVersion) expect(rate).toBeGreaterThan(0);
    const total = perVersion.reduce((sum, rate) => sum + rate, 0);
    expect(total).toBeGreaterThanOrEqual(reviews.low);
    expect(total).toBeLessThanOrEqual(reviews.high);
  });

  test('GIVEN half of the details calls answered 500 WHEN Kiali shows the edge THEN its error share is half, and the other edges have none', () => {
    const edges = edgesByName();
    // Both outcomes alternate in batches of DETAILS_BATCH; at least 20 rounds in the window keep
    // the share within 100 / (2 × 20) = 2.5 points of one half, whatever the window's cut.
    expect(traffic.callsBetween('productpage→details 500', graphAskedAt - (WINDOW_SECONDS + MAX_LAG_SECONDS) * 1000, graphAskedAt - MAX_LAG_SECONDS * 1000))
      .toBeGreaterThanOrEqual(20 * DETAILS_BATCH);
    const detailsError = Number(edges.get('productpage v1 → details v1')?.traffic?.rates?.httpPercentErr);
    expect(Math.abs(detailsError - 50)).toBeLessThanOrEqual(2.5);
    const otherErrors = EDGES.filter((name) => !name.includes('details')).map((name) => [name, edges.get(name)?.traffic?.rates?.httpPercentErr ?? '0']);
    expect(otherErrors).toEqual(EDGES.filter((name) => !name.includes('details')).map((name) => [name, '0']));
  });

  test('GIVEN reviews and ratings STRICT and details DISABLE WHEN Kiali shows the edges THEN the reviews and ratings edges are all mutual TLS and the details edge is not', () => {
    const edges = edgesByName();
    expect(EDGES.map((name) => [name, edges.get(name)?.isMTLS])).toEqual(EDGES.map((name) => [name, name.includes('details') ? undefined : '100']));
  });

  test('GIVEN the apps running in the cluster WHEN Kiali lists them with health THEN each is there with its sidecar, and details shows inbound 500s', async () => {
    type AppHealth = { requests: { inbound: Record<string, Record<string, number>> } };
    type AppList = { applications: { name: string; istioSidecar: boolean; health: AppHealth }[] };
    const apps = await kiali.api<AppList>(`/clusters/apps?namespaces=${NAMESPACE}&health=true&rateInterval=${WINDOW_SECONDS}s`);
    expect(apps.applications.map((app) => [app.name, app.istioSidecar]).sort())
      .toEqual([['details', true], ['productpage', true], ['ratings', true], ['reviews', true]]);
    const detailsInbound = apps.applications.find((app) => app.name === 'details')!.health.requests.inbound.http ?? {};
    expect(detailsInbound['500']).toBeGreaterThan(0);
    expect(detailsInbound['200']).toBeGreaterThan(0);
  });
});
