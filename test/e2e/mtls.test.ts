/**
 * Mutual TLS with `MtlsPolicy`: server sidecars accept per PeerAuthentication mode, client sidecars
 * originate ISTIO_MUTUAL from the DestinationRule the policy contributes, with SPIFFE certificates
 * the reconciler issues over SDS. Plaintext callers are the same requests sent straight to the
 * server sidecar's inbound listener, as a workload without a sidecar would.
 */
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { httpRequest } from '../../reconciler/test/support/http-request';
import { Mesh, MeshService, MtlsMode, MtlsPolicy, ServiceProtocol } from '../../src';

const REVIEWS_PORT = 9080;
const CLIENT_IDENTITY = 'spiffe://cluster.local/ns/default/sa/productpage';

function declareMesh(mode: MtlsMode) {
  return (chart: Chart, mesh: Mesh) => {
    const reviews = new MeshService(chart, 'Reviews', {
      mesh,
      name: 'reviews',
      ports: [{ port: REVIEWS_PORT, protocol: ServiceProtocol.HTTP }],
      versions: [{ name: 'v1', image: 'example.com/reviews:v1' }],
    });
    new MtlsPolicy(chart, 'ReviewsMtls', { mesh, mode, service: reviews });
  };
}

describe('mTLS between sidecars (MtlsPolicy)', () => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'mtls',
      build: declareMesh(MtlsMode.PERMISSIVE),
      workloads: [{ service: 'reviews', version: 'v1' }],
      clients: [{ name: 'productpage' }],
      serverSidecars: true,
      reconciler: 'child',
    });
  });

  afterAll(() => mesh?.stop());

  /** A caller without a sidecar: plaintext HTTP straight to the server sidecar's inbound listener. */
  function plaintextRequest() {
    const server = mesh.proxy('reviews-v1-0').node.instanceIp;
    return httpRequest({ host: server, port: REVIEWS_PORT, path: '/reviews/1', headers: { host: 'reviews' }, timeoutMs: 10_000 });
  }

  async function meshRequestIdentity(): Promise<{ status: number; forwardedIdentity?: string }> {
    const response = await mesh.request('productpage', { service: 'reviews', path: '/reviews/1' });
    const reply = response.status === 200 ? JSON.parse(response.body) as { headers: Record<string, string> } : undefined;
    return { status: response.status, forwardedIdentity: reply?.headers['x-forwarded-client-cert'] };
  }

  test('GIVEN PERMISSIVE WHEN the client sidecar calls THEN it uses mTLS and the server sees the client SPIFFE identity', () => mesh.run(async () => {
    const { status, forwardedIdentity } = await meshRequestIdentity();
    expect(status).toBe(200);
    expect(forwardedIdentity).toContain(`URI=${CLIENT_IDENTITY}`);
  }));

  test('GIVEN PERMISSIVE WHEN a plaintext caller without a sidecar calls THEN it is accepted too', () => mesh.run(async () => {
    expect((await plaintextRequest()).status).toBe(200);
  }));

  test('GIVEN steady mesh traffic WHEN the policy is edited from PERMISSIVE to STRICT THEN no request is lost', () => mesh.run(async () => {
    let editing = true;
    const load = (async () => {
      const summaries = [];
      // Batches keep running until the edit has reached every proxy, plus one batch after.
      do {
        summaries.push(await mesh.sendMany(100, 'productpage', { service: 'reviews', path: '/reviews/1' }, { concurrency: 4 }));
      } while (editing || summaries.length < 2);
      return summaries;
    })();
    try {
      // The operator's edit: the same MtlsPolicy re-declared STRICT and re-synthesized.
      await mesh.rebuild(declareMesh(MtlsMode.STRICT));
    } finally {
      editing = false;
    }
    const summaries = await load;
    expect(summaries.flatMap((summary) => summary.errors)).toEqual([]);
    expect(summaries.reduce((sum, summary) => sum + (summary.statuses[200] ?? 0), 0)).toBe(summaries.length * 100);
  }));

  test('GIVEN STRICT WHEN a plaintext caller without a sidecar calls THEN the connection is refused', () => mesh.run(async () => {
    await expect(plaintextRequest()).rejects.toThrow(/socket hang up|ECONNRESET|EPIPE/);
  }));

  test('GIVEN STRICT WHEN the client sidecar calls THEN mTLS still serves it with the client identity', () => mesh.run(async () => {
    const { status, forwardedIdentity } = await meshRequestIdentity();
    expect(status).toBe(200);
    expect(forwardedIdentity).toContain(`URI=${CLIENT_IDENTITY}`);
  }));
});
