import { shrinkCandidates, shrinkCase } from './case-shrinker';
import type { DifferentialCase } from './differential-case';

const HOST = 'gen-0.mesh.svc.cluster.local';

function caseWith(http: unknown[]): DifferentialCase {
  return {
    id: 'generated-1-0',
    description: 'generated routes for gen-0',
    objects: [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'gen-0', namespace: 'mesh' }, spec: { hosts: [HOST], http } }],
    requests: [{ name: 'plain', request: { path: '/', authority: HOST }, repeat: 2 }],
  };
}

const routesOf = (testCase: DifferentialCase): any[] => testCase.objects[0].spec.http;

const FOUR_ROUTES = caseWith([
  { match: [{ uri: { prefix: '/alpha' }, headers: { 'x-case-user': { exact: 'one' } } }, { method: { exact: 'POST' } }], route: [{ destination: { host: HOST, subset: 'v1' } }] },
  {
    match: [{ uri: { exact: '/beta' } }],
    route: [{ destination: { host: HOST, subset: 'v1' }, weight: 60 }, { destination: { host: HOST, subset: 'v2' }, weight: 30 }, { destination: { host: HOST, subset: 'v3' }, weight: 10 }],
    retries: { attempts: 3, retryOn: '5xx' },
    headers: { request: { set: { 'x-case-rule': 'set' } } },
  },
  { match: [{ queryParams: { mode: { regex: 'v[0-9]+' } } }], redirect: { uri: '/moved' } },
  { route: [{ destination: { host: HOST, subset: 'v3' } }], fault: { abort: { httpStatus: 503, percentage: { value: 50 } } } },
]);

describe('shrinking a disagreeing case', () => {
  test('GIVEN a disagreement that only the retries of one route cause WHEN shrunk THEN one route is left, holding its destination and the retries', async () => {
    const asked: DifferentialCase[] = [];
    const result = await shrinkCase(FOUR_ROUTES, async (candidate) => {
      asked.push(candidate);
      return routesOf(candidate).some((route) => route.retries?.attempts === 3);
    }, { maxTrials: 500 });
    expect(result.budgetSpent).toBe(false);
    expect(result.trials).toBe(asked.length);
    expect(routesOf(result.shrunk)).toEqual([{ route: [{ destination: { host: HOST } }], retries: { attempts: 3 } }]);
    // The requests and the rest of the object stay as they were: only the routes shrink.
    expect(result.shrunk.requests).toEqual(FOUR_ROUTES.requests);
    expect(result.shrunk.objects[0].metadata).toEqual(FOUR_ROUTES.objects[0].metadata);
  });

  test('GIVEN a disagreement that needs two routes in their order WHEN shrunk THEN both stay, in that order, with nothing else', async () => {
    const result = await shrinkCase(FOUR_ROUTES, async (candidate) => {
      const routes = routesOf(candidate);
      const first = routes.findIndex((route) => route.match?.some((block: any) => block.method?.exact === 'POST'));
      const redirect = routes.findIndex((route) => route.redirect?.uri === '/moved');
      return first >= 0 && redirect > first;
    }, { maxTrials: 500 });
    expect(routesOf(result.shrunk)).toEqual([
      { match: [{ method: { exact: 'POST' } }], route: [{ destination: { host: HOST } }] },
      { redirect: { uri: '/moved' } },
    ]);
  });

  test('GIVEN weighted destinations WHEN one of them is removed THEN the weights left still sum to 100, and a single destination has none', () => {
    const weighted = caseWith([routesOf(FOUR_ROUTES)[1]]);
    const sums = shrinkCandidates(weighted)
      .map((candidate) => routesOf(candidate)[0].route as { weight?: number }[])
      .map((destinations) => destinations.reduce((sum, destination) => sum + (destination.weight ?? 0), 0));
    expect(new Set(sums)).toEqual(new Set([100]));
    const twoWeighted = caseWith([{ route: [{ destination: { host: HOST, subset: 'v1' }, weight: 90 }, { destination: { host: HOST, subset: 'v2' }, weight: 10 }] }]);
    const single = shrinkCandidates(twoWeighted).map((candidate) => routesOf(candidate)[0].route).filter((destinations) => destinations.length === 1);
    expect(single).toEqual([[{ destination: { host: HOST, subset: 'v2' } }], [{ destination: { host: HOST, subset: 'v1' } }]]);
  });

  test('GIVEN a route WHEN candidates are proposed THEN none lacks a destination host or both route and redirect, and larger removals come first', () => {
    const candidates = shrinkCandidates(FOUR_ROUTES);
    for (const candidate of candidates) {
      for (const route of routesOf(candidate)) {
        expect('route' in route || 'redirect' in route).toBe(true);
        for (const destination of route.route ?? []) expect(destination.destination.host).toBe(HOST);
      }
    }
    // The first four candidates each drop one whole route.
    expect(candidates.slice(0, 4).map((candidate) => routesOf(candidate).length)).toEqual([3, 3, 3, 3]);
  });

  test('GIVEN a budget WHEN it runs out THEN the smallest case found so far is returned and says so', async () => {
    const result = await shrinkCase(FOUR_ROUTES, async () => true, { maxTrials: 3 });
    expect(result).toMatchObject({ trials: 3, accepted: 3, budgetSpent: true });
    expect(routesOf(result.shrunk)).toHaveLength(1);
    const none = await shrinkCase(FOUR_ROUTES, async () => false, { maxTrials: 1000 });
    expect(none).toMatchObject({ shrunk: FOUR_ROUTES, accepted: 0, budgetSpent: false });
    expect(none.trials).toBe(shrinkCandidates(FOUR_ROUTES).length);
  });
});
