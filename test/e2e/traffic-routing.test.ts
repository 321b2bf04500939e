/**
 * Traffic routing features, each declared with its construct and proven through a real client
 * sidecar: canary and A/B weighted splits, header and cookie segments, the canary override
 * header, sticky sessions on a cookie and mirroring. One mesh serves every row.
 */
import { Chart, Duration } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { ABTest, CanaryRelease, HttpMatch, Mesh, MeshService, ServiceProtocol, StickySession } from '../../src';

const CLIENT = 'productpage';
const SPLIT_REQUESTS = 2000;
/** Allowed distance of an observed share from its weight, in percentage points. */
const SPLIT_TOLERANCE = 3;
const STICKY_COOKIE = 'ab-session';

function service(chart: Chart, mesh: Mesh, name: string): MeshService {
  return new MeshService(chart, `Service-${name}`, {
    mesh,
    name,
    ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: ['v1', 'v2'].map((version) => ({ name: version, image: `example.com/${name}:${version}` })),
  });
}

function declareMesh(chart: Chart, mesh: Mesh): void {
  new CanaryRelease(chart, 'ReviewsCanary', {
    service: service(chart, mesh, 'reviews'),
    stable: 'v1',
    canary: 'v2',
    canaryWeight: 10,
    alwaysCanaryHeader: { name: 'x-canary', value: 'always' },
  });
  new ABTest(chart, 'RatingsAB', {
    service: service(chart, mesh, 'ratings'),
    variants: [{ version: 'v1', weight: 50 }, { version: 'v2', weight: 50 }],
    rules: [{ match: [HttpMatch.header('end-user').exact('jason')], version: 'v2' }],
  });
  new ABTest(chart, 'DetailsAB', {
    service: service(chart, mesh, 'details'),
    variants: [{ version: 'v1' }],
    rules: [{ match: [HttpMatch.cookie('group', 'beta|gamma')], version: 'v2' }],
    stickySession: StickySession.cookie(STICKY_COOKIE, Duration.hours(1)),
  });
  new ABTest(chart, 'SearchShadow', {
    service: service(chart, mesh, 'search'),
    variants: [{ version: 'v1' }],
    mirrorVersion: 'v2',
  });
}

describe('traffic routing through a client sidecar', () => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'traffic-routing',
      build: declareMesh,
      workloads: [
        ...['reviews', 'ratings', 'search'].flatMap((name) => ['v1', 'v2'].map((version) => ({ service: name, version }))),
        // Several endpoints per subset, so a sticky session has a choice to keep.
        { service: 'details', version: 'v1', instances: 3 },
        { service: 'details', version: 'v2', instances: 3 },
      ],
      clients: [{ name: CLIENT }],
    });
  });

  afterAll(() => mesh?.stop());

  test.each([
    ['CanaryRelease 90/10', 'reviews', { v1: 90, v2: 10 }],
    ['ABTest 50/50', 'ratings', { v1: 50, v2: 50 }],
  ])(`GIVEN %s on %s WHEN ${SPLIT_REQUESTS} requests are sent THEN each version's share is within ${SPLIT_TOLERANCE} points of its weight`,
    (_, name, weights) => mesh.run(async () => {
      const summary = await mesh.sendMany(SPLIT_REQUESTS, CLIENT, { service: name, path: '/split' });
      expect(summary.errors).toEqual([]);
      expect(summary.statuses).toEqual({ 200: SPLIT_REQUESTS });
      for (const [version, weight] of Object.entries(weights)) {
        expect(Math.abs(summary.share(version) - weight)).toBeLessThanOrEqual(SPLIT_TOLERANCE);
      }
    }));

  test.each([
    ['the canary override header x-canary: always', 'reviews', { 'x-canary': 'always' }, 'v2'],
    ['another x-canary value', 'reviews', { 'x-canary': 'sometimes' }, undefined],
    ['bookinfo\'s end-user: jason', 'ratings', { 'end-user': 'jason' }, 'v2'],
    ['a cookie matching the segment regex (group=beta)', 'details', { cookie: 'theme=dark; group=beta' }, 'v2'],
    ['a cookie matching the other alternative (group=gamma)', 'details', { cookie: 'group=gamma' }, 'v2'],
    ['a cookie outside the segment (group=betamax)', 'details', { cookie: 'group=betamax' }, 'v1'],
    ['no cookie', 'details', {}, 'v1'],
  ])('GIVEN a request with %s WHEN 100 are sent to %s THEN they all reach the expected version (or keep the split)',
    (_, name, headers, expected) => mesh.run(async () => {
      const summary = await mesh.sendMany(100, CLIENT, { service: name, headers });
      expect(summary.statuses).toEqual({ 200: 100 });
      if (expected) {
        expect(summary.versions).toEqual({ [expected]: 100 });
      } else {
        expect(Object.keys(summary.versions).sort()).toEqual(['v1', 'v2']);
      }
    }));

  test.each([
    ['the beta segment', 'group=beta; ', 'v2'],
    ['the default variant', '', 'v1'],
  ])('GIVEN a sticky session cookie in %s WHEN 200 requests carry the same cookie THEN one instance of one variant answers them all',
    (_, segmentCookie, version) => mesh.run(async () => {
      const instancesSeen = new Set<string>();
      for (const session of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
        const summary = await mesh.sendMany(200, CLIENT, { service: 'details', headers: { cookie: `${segmentCookie}${STICKY_COOKIE}=${session}` } });
        expect(summary.statuses).toEqual({ 200: 200 });
        expect(summary.versions).toEqual({ [version]: 200 });
        expect(Object.keys(summary.instances)).toHaveLength(1);
        instancesSeen.add(Object.keys(summary.instances)[0]);
      }
      // Different sessions spread over the subset: the hash, not a single endpoint, keeps each one in place.
      expect(instancesSeen.size).toBeGreaterThan(1);
    }));

  test('GIVEN a request without the sticky cookie WHEN the sidecar answers THEN it sets the cookie for the next request', () => mesh.run(async () => {
    const response = await mesh.request(CLIENT, { service: 'details' });
    expect(String(response.headers['set-cookie'])).toContain(`${STICKY_COOKIE}=`);
  }));

  test('GIVEN 100 % mirroring to v2 WHEN 200 requests are sent THEN the client only sees v1 and v2 receives every copy with the -shadow host', () => mesh.run(async () => {
    const [mirrorBackend] = mesh.backends('search', 'v2');
    const before = mirrorBackend.hitsByHost();
    const summary = await mesh.sendMany(200, CLIENT, { service: 'search', path: '/q' });
    expect(summary.versions).toEqual({ v1: 200 });
    const shadowHost = 'search.default.svc.cluster.local-shadow';
    // Mirrored copies are sent without waiting for them; give the last ones a moment to land.
    const deadline = Date.now() + 5000;
    while ((mirrorBackend.hitsByHost()[shadowHost] ?? 0) - (before[shadowHost] ?? 0) < 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = mirrorBackend.hitsByHost();
    expect((after[shadowHost] ?? 0) - (before[shadowHost] ?? 0)).toBe(200);
    expect(Object.keys(after).filter((host) => !host.endsWith('-shadow'))).toEqual([]);
  }));
});
