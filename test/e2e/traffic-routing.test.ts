/**
 * Traffic routing features, each declared with its construct and proven through a real client
 * sidecar: canary and A/B weighted splits, header and cookie segments, the canary override
 * header, sticky sessions on a cookie and mirroring. One mesh serves every row.
 */
import { Chart, Duration } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { expectShareNear } from '../../reconciler/test/support/shares';
import { waitUntil } from '../../reconciler/test/support/wait';
import { ABTest, CanaryRelease, HttpMatch, Mesh, MeshService, StickySession } from '../../src';
import { httpService } from './support/http-service';

const CLIENT = 'productpage';
const SPLIT_REQUESTS = 2000;
/** Where the 90/10 split must show both versions: all of 200 on v1 has a chance of 0.9^200 = 7e-10 (0.9^100 would be 3e-5). */
const SEGMENT_REQUESTS = 200;
const STICKY_COOKIE = 'ab-session';
/**
 * Sessions per sticky-session check. Which instance a session hashes to depends on the endpoints'
 * addresses, which change every run; with 3 instances, all sessions landing on one has the chance
 * 3 * (1/3)^n: 0.4 % for 6 sessions, 7e-8 for 16.
 */
const STICKY_SESSIONS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil'];
const REQUESTS_PER_SESSION = 50;

function service(chart: Chart, mesh: Mesh, name: string): MeshService {
  return httpService(chart, mesh, name, { id: `Service-${name}`, versions: ['v1', 'v2'] });
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

  // Tolerances in percentage points, 4.5 sigma over 2 000 requests: sigma is 0.67 points at 90/10, 1.12 at 50/50.
  test.each<[string, string, number, Record<string, number>]>([
    ['CanaryRelease 90/10', 'reviews', 3, { v1: 90, v2: 10 }],
    ['ABTest 50/50', 'ratings', 5, { v1: 50, v2: 50 }],
  ])(`GIVEN %s on %s WHEN ${SPLIT_REQUESTS} requests are sent THEN each version's share is within %d points of its weight`,
    (_, name, tolerance, weights) => mesh.run(async () => {
      const summary = await mesh.sendMany(SPLIT_REQUESTS, CLIENT, { service: name, path: '/split' });
      expect(summary.errors).toEqual([]);
      expect(summary.statuses).toEqual({ 200: SPLIT_REQUESTS });
      for (const [version, weight] of Object.entries(weights)) {
        expectShareNear(summary.versions[version] ?? 0, SPLIT_REQUESTS, weight, tolerance);
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
  ])(`GIVEN a request with %s WHEN ${SEGMENT_REQUESTS} are sent to %s THEN they all reach the expected version (or keep the split)`,
    (_, name, headers, expected) => mesh.run(async () => {
      const summary = await mesh.sendMany(SEGMENT_REQUESTS, CLIENT, { service: name, headers });
      expect(summary.statuses).toEqual({ 200: SEGMENT_REQUESTS });
      if (expected) {
        expect(summary.versions).toEqual({ [expected]: SEGMENT_REQUESTS });
      } else {
        expect(Object.keys(summary.versions).sort()).toEqual(['v1', 'v2']);
      }
    }));

  test.each([
    ['the beta segment', 'group=beta; ', 'v2'],
    ['the default variant', '', 'v1'],
  ])(`GIVEN sticky session cookies in %s WHEN ${REQUESTS_PER_SESSION} requests carry each cookie THEN one instance of one variant answers each session`,
    (_, segmentCookie, version) => mesh.run(async () => {
      const instancesSeen = new Set<string>();
      for (const session of STICKY_SESSIONS) {
        const summary = await mesh.sendMany(REQUESTS_PER_SESSION, CLIENT, { service: 'details', headers: { cookie: `${segmentCookie}${STICKY_COOKIE}=${session}` } });
        expect(summary.statuses).toEqual({ 200: REQUESTS_PER_SESSION });
        expect(summary.versions).toEqual({ [version]: REQUESTS_PER_SESSION });
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

  test('GIVEN 100 % mirroring to v2 WHEN 200 requests are sent THEN the client only sees v1 and v2 receives every copy with the original host, as istiod sends them', () => mesh.run(async () => {
    const [mirrorBackend] = mesh.backends('search', 'v2');
    const before = mirrorBackend.hitsByHost();
    const summary = await mesh.sendMany(200, CLIENT, { service: 'search', path: '/q' });
    expect(summary.versions).toEqual({ v1: 200 });
    // v2 gets no traffic of its own here: every request it sees is a copy.
    const shadowHost = 'search.default.svc.cluster.local';
    // Mirrored copies are sent without waiting for them; the last ones may land after the replies.
    await waitUntil('every mirrored copy to land', () => (mirrorBackend.hitsByHost()[shadowHost] ?? 0) - (before[shadowHost] ?? 0) >= 200, 30_000, 50)
      .catch(() => undefined);
    const after = mirrorBackend.hitsByHost();
    expect((after[shadowHost] ?? 0) - (before[shadowHost] ?? 0)).toBe(200);
    expect(Object.keys(after).filter((host) => host !== shadowHost)).toEqual([]);
  }));
});
