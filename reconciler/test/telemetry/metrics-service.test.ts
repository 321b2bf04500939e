/**
 * The stats stream on the reconciler's xDS port over real gRPC: authenticated like ADS (token
 * review here), bound to the node of its first message, a service account reporting only as
 * itself, and a broken stream closed with a status while the reconciler keeps serving.
 */
import * as grpc from '@grpc/grpc-js';
import { buildBootstrapNode } from '../../src/model';
import { silentLogger } from '../../src/log';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { Reconciler } from '../../src/reconciler';
import { TokenReviewAuthenticator, TokenReviewStatus } from '../../src/security/token-review-authenticator';
import { encodeStreamMetricsMessage } from '../../src/telemetry/metrics-wire';
import { generateProxyResources } from '../../src/xds/generators';
import { clusterStats } from '../support/envoy-stats';
import { MemorySource } from '../support/memory-source';
import { waitUntil } from '../support/wait';

const TOKENS: Record<string, TokenReviewStatus> = {
  'cart-token': { authenticated: true, user: { username: 'system:serviceaccount:shop:cart' }, audiences: ['istio-ca'] },
};

const nodeOf = (serviceAccount: string) => buildBootstrapNode({
  id: 'sidecar~127.0.0.9~cart-0.shop~shop.svc.cluster.local', cluster: 'cart.shop', namespace: 'shop', serviceAccount,
  name: 'cart-0', labels: { app: 'cart', version: 'v1' }, instanceIp: '127.0.0.9', interceptionMode: 'NONE',
});
const CLUSTER = 'outbound|8080||payments.shop.svc.cluster.local';

interface StreamOutcome {
  readonly code: grpc.status;
  readonly details: string;
}

describe('the stats stream service on the xDS port', () => {
  let reconciler: Reconciler;
  let address: string;

  beforeAll(async () => {
    reconciler = new Reconciler({
      source: new MemorySource(), mesh: DEFAULT_MESH_SETTINGS, log: silentLogger(), generate: generateProxyResources,
      authenticator: new TokenReviewAuthenticator(async (token) => TOKENS[token] ?? { authenticated: false, error: 'token not found' }),
      xds: { host: '127.0.0.1', port: 0 },
    });
    address = `127.0.0.1:${(await reconciler.start()).xdsPort}`;
  });

  afterAll(() => reconciler?.stop());

  /** Sends the messages on one stream and half-closes it; resolves with the status the server ended it with. */
  function stream(token: string | undefined, messages: Uint8Array[]): Promise<StreamOutcome> {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    if (token) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve) => {
      const call = client.makeClientStreamRequest('/envoy.service.metrics.v3.MetricsService/StreamMetrics',
        (bytes: Uint8Array) => Buffer.from(bytes), () => ({}), metadata, (error) => {
          client.close();
          resolve({ code: error?.code ?? grpc.status.OK, details: error?.details ?? '' });
        });
      for (const message of messages) call.write(message);
      call.end();
    });
  }

  const traffic = (requests: number) => clusterStats(CLUSTER, { responses: { 200: requests } });

  test('GIVEN a reviewed token and the node of its own account WHEN stats stream THEN the traffic is the cart workload\'s', async () => {
    const outcome = await stream('cart-token', [
      encodeStreamMetricsMessage({ node: nodeOf('cart'), metrics: traffic(12) }),
      encodeStreamMetricsMessage({ metrics: traffic(8) }),
    ]);

    expect(outcome.code).toBe(grpc.status.OK);
    const [edge] = reconciler.telemetry.store.edges({ windowMs: 60_000, destinationHost: 'payments.shop.svc.cluster.local' });
    expect(edge.source).toMatchObject({ namespace: 'shop', workload: 'cart-v1', app: 'cart' });
    expect(edge.requestsPerSecond).toBeGreaterThan(0);
    const metrics = await waitForMetricsText();
    expect(metrics).toMatch(/istio_requests_total\{reporter="source",source_workload="cart-v1",[^}]*destination_service="payments\.shop\.svc\.cluster\.local"[^}]*\} 20/);
  });

  test('GIVEN the cart token WHEN the node claims another service account THEN the stream is refused with PERMISSION_DENIED and nothing is recorded', async () => {
    const before = reconciler.telemetry.store.counters.flushes;
    const outcome = await stream('cart-token', [encodeStreamMetricsMessage({ node: nodeOf('payments'), metrics: traffic(5) })]);

    expect(outcome.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(outcome.details).toContain('claims service account shop/payments but its token belongs to shop/cart');
    expect(reconciler.telemetry.store.counters.flushes).toBe(before);
  });

  test.each([
    ['no token', undefined],
    ['a forged token', 'forged'],
  ])('GIVEN %s WHEN stats stream THEN the stream is refused as unauthenticated before any message is read', async (_, token) => {
    const before = reconciler.telemetry.store.counters.flushes;
    const outcome = await stream(token, [encodeStreamMetricsMessage({ node: nodeOf('cart'), metrics: traffic(5) })]);

    expect(outcome.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(reconciler.telemetry.store.counters.flushes).toBe(before);
  });

  test('GIVEN a first message without a node WHEN it arrives THEN the stream ends with INVALID_ARGUMENT saying the node is missing', async () => {
    const outcome = await stream('cart-token', [encodeStreamMetricsMessage({ metrics: traffic(5) })]);

    expect(outcome.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(outcome.details).toContain('must carry identifier.node');
  });

  test('GIVEN a message that does not decode WHEN it arrives THEN that stream ends with INVALID_ARGUMENT, the refusal is counted and the next stream is served', async () => {
    const outcome = await stream('cart-token', [
      encodeStreamMetricsMessage({ node: nodeOf('cart'), metrics: traffic(1) }),
      Uint8Array.from([0x12, 0x7f, 0x0a]),
    ]);

    expect(outcome.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(outcome.details).toContain('StreamMetricsMessage');
    expect(reconciler.telemetry.service.refusals.get('bad-message')).toBe(1);
    expect((await stream('cart-token', [encodeStreamMetricsMessage({ node: nodeOf('cart'), metrics: traffic(1) })])).code).toBe(grpc.status.OK);
  });

  async function waitForMetricsText(): Promise<string> {
    let text = '';
    await waitUntil('the Istio metrics to show the cart traffic', () => {
      text = reconciler.telemetry.renderMetrics().join('');
      return text.includes('source_workload="cart-v1"');
    }, 5000, 20);
    return text;
  }
});
