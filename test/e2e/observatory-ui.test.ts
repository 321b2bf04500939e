/**
 * The observatory as a person sees it, in a real browser: real Envoy sidecars carry real traffic
 * (a 90/10 canary of reviews whose v2 fails every other request, reviews under STRICT mTLS) and
 * the config directory holds one invalid object. Headless Chromium opens `/ui` on the
 * reconciler's ops port; the test reads what the page draws — nodes, the edge labels, health
 * colours, the lock — and the validation page. Screenshots go to test-artifacts/ (git-ignored).
 *
 * Shares are compared with the configured weight within four standard deviations, and with what
 * the client itself counted within the page's rounding.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Chart } from 'cdk8s';
import { Browser, chromium, Page } from 'playwright-core';
import { MeshScenario, startMeshScenario } from './harness';
import { FAILS_EVERY_OTHER_REQUEST, scriptApplication } from './support/chaos-backends';
import { httpService } from './support/http-service';
import { waitUntil } from '../../reconciler/test/support/wait';
import { CanaryRelease, Mesh, MtlsMode, MtlsPolicy } from '../../src';

const CLIENT = 'productpage';
const CANARY_WEIGHT = 10;
const REQUESTS = 1000;
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const INVALID_OBJECT = 'broken-route';

function declareMesh(chart: Chart, mesh: Mesh): void {
  const reviews = httpService(chart, mesh, 'reviews', { versions: ['v1', 'v2'] });
  new CanaryRelease(chart, 'ReviewsCanary', { service: reviews, stable: 'v1', canary: 'v2', canaryWeight: CANARY_WEIGHT });
  new MtlsPolicy(chart, 'ReviewsStrict', { mesh, mode: MtlsMode.STRICT, service: reviews });
  httpService(chart, mesh, 'ratings');
}

/** A VirtualService whose weight is text: the reconciler's CRD validation rejects it. */
const INVALID_YAML = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${INVALID_OBJECT}
  namespace: default
spec:
  hosts: [ratings]
  http:
    - route:
        - destination: { host: ratings }
          weight: ten
`;

const fourSigma = (p: number, n: number) => 4 * Math.sqrt((p * (1 - p)) / n);
/** `12.3 %` → 0.123 */
const ratioOf = (text: string) => Number(/([\d.]+) %/.exec(text)![1]) / 100;

describe('observatory: what a person sees in the browser', () => {
  let mesh: MeshScenario;
  let browser: Browser;
  let page: Page;
  let observedV2Share: number;
  let v2Requests: number;
  let observedV2Errors: number;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    mesh = await startMeshScenario({
      name: 'observatory-ui',
      build: declareMesh,
      workloads: [{ service: 'reviews', version: 'v1' }, { service: 'reviews', version: 'v2' }, { service: 'ratings', version: 'v1' }],
      clients: [{ name: CLIENT, labels: { version: 'v1' } }],
      serverSidecars: true,
      statsFlushIntervalMs: 1000,
    });
    await scriptApplication(mesh, 'reviews', 'v2', 0, FAILS_EVERY_OTHER_REQUEST);
    fs.writeFileSync(path.join(mesh.configDir, 'invalid.yaml'), INVALID_YAML);

    const reviews = await mesh.sendMany(REQUESTS, CLIENT, { service: 'reviews' });
    const ratings = await mesh.sendMany(100, CLIENT, { service: 'ratings' });
    expect([reviews.errors, ratings.errors]).toEqual([[], []]);
    v2Requests = reviews.versions.v2 ?? 0;
    observedV2Share = v2Requests / REQUESTS;
    observedV2Errors = (reviews.statuses[503] ?? 0) / v2Requests;

    // Every request reached the reconciler's telemetry: the graph API shows exactly the share the
    // client counted. A looser test passes on a partial stats flush, and the page then draws it.
    await waitUntil('the graph API to show the canary share and error ratios the client counted', async () => {
      type Edge = { id: string; observedShare?: number; traffic?: { errorRatio?: number } };
      const graph = await mesh.reconciler.ops<{ edges: Edge[] }>('/api/graph?window=5m');
      const byId = (id: string) => graph.edges.find((candidate) => candidate.id === id);
      const v2 = byId('route:service:default/reviews->version:default/reviews/v2');
      const caller = byId('traffic:workload:default/productpage-v1->service:default/reviews');
      const same = (actual: number | undefined, expected: number) => actual !== undefined && Math.abs(actual - expected) < 1e-9;
      return same(v2?.observedShare, observedV2Share * 100)
        && same(v2?.traffic?.errorRatio, observedV2Errors)
        && same(caller?.traffic?.errorRatio, observedV2Share * observedV2Errors);
    }, 60_000, 500);

    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    page.on('console', (message) => { if (message.type() === 'error') pageProblems.push(message.text()); });
    page.on('pageerror', (error) => pageProblems.push(error.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await mesh?.stop();
  });

  async function openGraph(): Promise<void> {
    await page.goto(`http://127.0.0.1:${mesh.reconciler.opsPort}/ui#/graph`);
    await page.selectOption('#window', '5m');
    await page.waitForSelector('g.node[data-id="version:default/reviews/v2"][data-health="Failure"]', { timeout: 20_000 });
  }

  const edge = (id: string) => page.locator(`g.edge[data-id="${id}"]`);
  const node = (id: string) => page.locator(`g.node[data-id="${id}"]`);

  test('GIVEN the canary traffic WHEN the graph page shows it THEN services, versions and the caller are drawn, with shapes by kind', () => mesh.run(async () => {
    await openGraph();
    await page.screenshot({ path: path.join(ARTIFACTS, 'observatory-graph.png'), fullPage: true });

    const ids = await page.locator('g.node').evaluateAll((nodes) => nodes.map((element) => element.getAttribute('data-id')));
    expect(ids).toEqual(expect.arrayContaining([
      'service:default/reviews', 'version:default/reviews/v1', 'version:default/reviews/v2',
      'service:default/ratings', 'version:default/ratings/v1', 'workload:default/productpage-v1',
    ]));
    expect(await node('service:default/reviews').locator('polygon.shape').count()).toBe(1);
    expect(await node('version:default/reviews/v1').locator('ellipse.shape').count()).toBe(1);
    expect(await node('version:default/reviews/v2').locator('text.name').textContent()).toBe('reviews v2');
    expect(pageProblems).toEqual([]);
  }));

  test(`GIVEN a ${CANARY_WEIGHT} % canary WHEN the service → v2 edge is read THEN it shows "10 % / <observed> %" within 4σ of 10 % and equal to what the client counted`, () => mesh.run(async () => {
    await openGraph();
    const weights = await edge('route:service:default/reviews->version:default/reviews/v2').locator('text.weights').textContent();

    const [declared, observed] = weights!.split(' / ');
    expect(declared).toBe(`${CANARY_WEIGHT} %`);
    expect(Math.abs(ratioOf(observed) - CANARY_WEIGHT / 100)).toBeLessThanOrEqual(fourSigma(CANARY_WEIGHT / 100, REQUESTS));
    // The page rounds to one decimal of a percent.
    expect(Math.abs(ratioOf(observed) - observedV2Share)).toBeLessThanOrEqual(0.0005 + 1e-9);
    const v1 = await edge('route:service:default/reviews->version:default/reviews/v1').locator('text.weights').textContent();
    expect(v1!.startsWith(`${100 - CANARY_WEIGHT} % / `)).toBe(true);
  }));

  test('GIVEN v2 failing every other request WHEN the graph is read THEN v2 is coloured Failure with about 50 % errors, v1 Healthy, and the caller edge shows the overall error %, Degraded (> 0 %, < 10 %)', () => mesh.run(async () => {
    await openGraph();
    const v2 = node('version:default/reviews/v2');

    expect(await v2.getAttribute('data-health')).toBe('Failure');
    expect(await v2.locator('text.kind').textContent()).toBe('version · Failure');
    expect(await v2.locator('.shape').evaluate((shape) => shape.ownerDocument.defaultView!.getComputedStyle(shape).stroke)).toBe('rgb(207, 34, 46)');
    expect(await node('version:default/reviews/v1').getAttribute('data-health')).toBe('Healthy');
    const v2Line = await edge('route:service:default/reviews->version:default/reviews/v2').locator('text.traffic').textContent();
    const v2Errors = ratioOf(v2Line!.split(' · ')[1]);
    expect(Math.abs(v2Errors - observedV2Errors)).toBeLessThanOrEqual(0.0005 + 1e-9);
    expect(Math.abs(v2Errors - 0.5)).toBeLessThanOrEqual(fourSigma(0.5, v2Requests));

    const callerLine = await edge('traffic:workload:default/productpage-v1->service:default/reviews').locator('text.traffic').textContent();
    const [rate, errors, p99] = callerLine!.split(' · ');
    expect(Number(rate.split(' ')[0])).toBeGreaterThan(0);
    expect(Math.abs(ratioOf(errors) - (observedV2Share * observedV2Errors))).toBeLessThanOrEqual(0.0005 + 1e-9);
    expect(p99).toMatch(/^p99 \d+ ms$/);
    expect(await edge('traffic:workload:default/productpage-v1->service:default/reviews').getAttribute('data-health')).toBe('Degraded');
  }));

  test('GIVEN reviews under STRICT mTLS WHEN the caller edge is read THEN it carries the lock, and the node says STRICT', () => mesh.run(async () => {
    await openGraph();
    const strictEdge = edge('traffic:workload:default/productpage-v1->service:default/reviews');

    expect(await strictEdge.getAttribute('data-mtls')).toBe('true');
    expect(await strictEdge.locator('g.lock title').textContent()).toBe('mutual TLS');
    expect(await strictEdge.locator('g.lock').isVisible()).toBe(true);
    expect(await node('service:default/reviews').locator('title').first().textContent()).toContain('mTLS: STRICT');
    expect(await node('service:default/reviews').locator('[data-badge="canary"]').count()).toBe(1);
  }));

  test('GIVEN reviews WHEN its service page is opened THEN versions with endpoints, the weighted route and the STRICT mode are listed', () => mesh.run(async () => {
    await page.goto(`http://127.0.0.1:${mesh.reconciler.opsPort}/ui#/service/default/reviews`);
    await page.waitForSelector('body[data-loaded="service"]');
    await page.screenshot({ path: path.join(ARTIFACTS, 'observatory-service.png'), fullPage: true });
    const tables = page.locator('table');

    const versions = await tables.nth(0).locator('tr').allTextContents();
    expect(versions.some((row) => row.startsWith('v2Failure'))).toBe(true);
    const routing = await tables.nth(1).locator('td').allTextContents();
    expect(routing).toEqual(expect.arrayContaining(['reviews.default.svc.cluster.local v1 90 %, reviews.default.svc.cluster.local v2 10 %']));
    expect(await page.locator('p.mtls').textContent()).toMatch(/^mTLS STRICT/);
  }));

  test('GIVEN an invalid VirtualService in the config directory WHEN the validation page is opened THEN it is listed as an error with its reason and a fix', () => mesh.run(async () => {
    await page.goto(`http://127.0.0.1:${mesh.reconciler.opsPort}/ui#/validations`);
    const row = page.locator('tr', { hasText: `VirtualService default/${INVALID_OBJECT}` });
    await row.waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'observatory-validations.png'), fullPage: true });
    const cells = await row.locator('td').allTextContents();

    expect(cells.slice(0, 3)).toEqual(['error', 'MESH0001', `VirtualService default/${INVALID_OBJECT}`]);
    expect(cells[3]).toContain('invalid.yaml');
    expect(cells[3]).toContain('weight');
    expect(cells[4]).toContain('correct the object');
    expect(pageProblems).toEqual([]);
  }));
});
