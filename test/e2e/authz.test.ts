/**
 * Service-to-service authorization with `ServiceAuthorization`: the server sidecar decides on the
 * caller's SPIFFE identity, proven by the certificate the reconciler's CA issued to the caller's
 * sidecar (mesh mTLS is on), and denies everything the allow rule does not name.
 */
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { httpRequest } from '../../reconciler/test/support/http-request';
import { Mesh, ServiceAuthorization } from '../../src';
import { httpService } from './support/http-service';

const PORT = 9080;


function declareMesh(chart: Chart, mesh: Mesh): void {
  const reviews = httpService(chart, mesh, 'reviews');
  const productpage = httpService(chart, mesh, 'productpage');
  httpService(chart, mesh, 'ratings');
  const authorization = new ServiceAuthorization(chart, 'ReviewsAuthz', { service: reviews, defaultDeny: true });
  authorization.allow({ fromServices: [productpage], methods: ['GET'] });
}

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
});
