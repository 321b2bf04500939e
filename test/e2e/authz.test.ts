/**
 * Service-to-service authorization with `ServiceAuthorization`: the server sidecar decides on the
 * caller's SPIFFE identity, proven by the certificate the reconciler's CA issued to the caller's
 * sidecar (mesh mTLS is on), and denies everything the allow rule does not name. The service page
 * of the observatory then shows what each policy allowed and denied, as the sidecar counted it.
 */
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import type { ServiceDetail } from '../../reconciler/src/observatory/service-detail';
import { httpRequest } from '../../reconciler/test/support/http-request';
import { waitUntil } from '../../reconciler/test/support/wait';
import { Mesh, ServiceAuthorization } from '../../src';
import { httpService } from './support/http-service';

const PORT = 9080;


function declareMesh(chart: Chart, mesh: Mesh): void {
  const reviews = httpService(chart, mesh, 'reviews');
  const productpage = httpService(chart, mesh, 'productpage');
  httpService(chart, mesh, 'ratings');
  const authorization = new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews, defaultDeny: true });
  authorization.allow({ fromServices: [productpage], methods: ['GET'] });
  authorization.deny({ paths: ['/admin/*'] });
}

/** The policies' decisions at reviews over the longest window, so earlier requests never age out mid-test. */
type Decisions = ServiceDetail['authorizationDecisions'];
const DECISIONS_PATH = '/api/services/default/reviews?window=15m';

describe('authorization by mesh identity (ServiceAuthorization)', () => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'authz',
      build: declareMesh,
      workloads: [{ service: 'reviews', version: 'v1' }],
      // Each caller's sidecar gets the certificate of its service account.
      clients: [{ name: 'productpage' }, { name: 'ratings' }, { name: 'batch-job' }],
      serverSidecars: true,
      reconciler: 'child',
    });
  });

  afterAll(() => mesh?.stop());

  test.each([
    { who: 'the allowed service (productpage)', caller: 'productpage', method: 'GET', status: 200 },
    { who: 'the allowed service with a method the rule does not allow', caller: 'productpage', method: 'DELETE', status: 403 },
    { who: 'another mesh service (ratings)', caller: 'ratings', method: 'GET', status: 403 },
    { who: 'a workload no rule names (batch-job)', caller: 'batch-job', method: 'GET', status: 403 },
  ])('GIVEN default-deny and an allow rule for productpage WHEN $who calls reviews THEN the answer is $status', ({ caller, method, status }) => mesh.run(async () => {
    const response = await mesh.request(caller, { service: 'reviews', path: '/reviews/1', method });
    expect(response.status).toBe(status);
    if (status === 403) {
      expect(response.body).toBe('RBAC: access denied');
    }
  }));

  test('GIVEN default-deny WHEN a plaintext caller without any identity calls THEN it is denied', () => mesh.run(async () => {
    const server = mesh.proxy('reviews-v1-0').node.instanceIp;
    const response = await httpRequest({ host: server, port: PORT, path: '/reviews/1', headers: { host: 'reviews' }, timeoutMs: 10_000 });
    expect(response.status).toBe(403);
  }));

  test('GIVEN known requests WHEN the service page is read THEN each policy\'s allowed and denied counts grew by exactly what was sent', () => mesh.run(async () => {
    const read = async () => (await mesh.reconciler.ops<ServiceDetail>(DECISIONS_PATH)).authorizationDecisions;
    const count = (decisions: Decisions, policy: string | undefined, outcome: 'allowed' | 'denied') =>
      decisions.find((decision) => decision.policy === policy)?.[outcome] ?? 0;
    // Earlier tests' requests reach the counts with the sidecar's next flushes: wait until two reads a flush apart agree.
    let before: Decisions = await read();
    await waitUntil('the authorization counts of earlier requests to settle', async () => {
      await new Promise((resolve) => setTimeout(resolve, 6000));
      const now = await read();
      const settled = JSON.stringify(now) === JSON.stringify(before);
      before = now;
      return settled;
    }, 120_000, 0);
    const sent = { allowed: 5, deniedByPath: 3, deniedUnmatched: 4 };
    for (let index = 0; index < sent.allowed; index += 1) expect((await mesh.request('productpage', { service: 'reviews', path: '/reviews/1' })).status).toBe(200);
    for (let index = 0; index < sent.deniedByPath; index += 1) expect((await mesh.request('productpage', { service: 'reviews', path: '/admin/stats' })).status).toBe(403);
    for (let index = 0; index < sent.deniedUnmatched; index += 1) expect((await mesh.request('ratings', { service: 'reviews', path: '/reviews/1' })).status).toBe(403);

    const expected = {
      allowed: count(before, 'default/reviews-allow', 'allowed') + sent.allowed,
      deniedByPath: count(before, 'default/reviews-deny', 'denied') + sent.deniedByPath,
      deniedUnmatched: count(before, undefined, 'denied') + sent.deniedUnmatched,
    };
    let after: Decisions = [];
    await waitUntil('the service page to count the requests just sent', async () => {
      after = await read();
      return count(after, 'default/reviews-allow', 'allowed') >= expected.allowed && count(after, 'default/reviews-deny', 'denied') >= expected.deniedByPath
        && count(after, undefined, 'denied') >= expected.deniedUnmatched;
    }, 60_000, 500);
    expect({
      allowed: count(after, 'default/reviews-allow', 'allowed'),
      deniedByPath: count(after, 'default/reviews-deny', 'denied'),
      deniedUnmatched: count(after, undefined, 'denied'),
    }).toEqual(expected);
    expect(after.find((decision) => decision.policy === 'default/reviews-deny')).toMatchObject({ action: 'DENY', allowed: 0 });
    expect(after.find((decision) => decision.policy === 'default/reviews-allow')).toMatchObject({ action: 'ALLOW', denied: 0 });
  }));
});
