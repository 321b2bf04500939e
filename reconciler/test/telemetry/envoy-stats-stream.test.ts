/**
 * Real Envoy streaming its stats to the reconciler, as the shared bootstrap configures it: over
 * the plaintext xds-grpc cluster, and over TLS with the service account token (Google gRPC) as in
 * Kubernetes mode. Real requests through the proxy become the edge of its workload.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { silentLogger } from '../../src/log';
import { buildEnvoyBootstrap } from '../../src/model';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { HISTOGRAM_BOUNDS } from '../../src/telemetry/histogram';
import { Reconciler } from '../../src/reconciler';
import { generateProxyResources } from '../../src/xds/generators';
import { EnvoySidecar, findEnvoy } from '../support/envoy';
import { httpRequest } from '../support/http-request';
import { MemorySource } from '../support/memory-source';
import { egressSidecar, serviceEntry, toYaml, workloadEntry } from '../support/mesh-yaml';
import { uniqueLoopbackAddress } from '../support/ports';
import { startTokenReconciler, TokenReconciler } from '../support/token-reconciler';
import { waitUntil } from '../support/wait';

const HOST = 'payments.shop.svc.cluster.local';
const PORT = 18090;
const SERVER_NAME = 'mesh-reconciler.mesh-system.svc';
const CART_TOKEN = 'projected-token-of-shop-cart';

interface Backend {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

async function startBackend(): Promise<Backend> {
  const address = uniqueLoopbackAddress();
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('paid'));
  });
  await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
  return {
    address, port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function meshConfig(backend: Backend, cartAddress: string) {
  return [{
    source: 'mesh.yaml',
    text: toYaml([
      serviceEntry('shop', 'payments', HOST, PORT, 'payments'),
      workloadEntry({ namespace: 'shop', name: 'payments-v1-0', address: backend.address, port: backend.port, labels: { app: 'payments', version: 'v1' } }),
      egressSidecar('shop', 'cart', PORT, cartAddress),
    ]),
  }];
}

async function sendThroughCart(cartAddress: string, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 1) {
    const response = await httpRequest({ host: cartAddress, port: PORT, path: '/pay', method: 'POST', body: 'x'.repeat(40), headers: { host: HOST }, timeoutMs: 3000 });
    expect(response.status).toBe(200);
  }
}

const cartEdge = (reconciler: Reconciler) => reconciler.telemetry.store.total({ windowMs: 60_000, destinationHost: HOST, sourceWorkload: 'cart-v1' });

describe('real Envoy streaming stats to the reconciler', () => {
  let workDir: string;

  beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-stats-'));
  });

  afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

  test.each([
    ['plaintext', false],
    ['TLS with a token file', true],
  ])('GIVEN the %s bootstrap with the stats sink WHEN real Envoy validates it THEN it is accepted', (_, secured) => {
    // Envoy reads the CA file while validating; the token file only when a stream opens.
    const caFile = path.join(workDir, 'validate-ca.pem');
    fs.writeFileSync(caFile, '');
    const tls = secured ? { caCertFile: caFile, serverName: SERVER_NAME, tokenFile: path.join(workDir, 'absent-token') } : {};
    const file = path.join(workDir, 'validate.json');
    fs.writeFileSync(file, JSON.stringify(buildEnvoyBootstrap({
      node: { id: 'sidecar~10.0.0.7~cart-0.shop~shop.svc.cluster.local', cluster: 'cart.shop', namespace: 'shop', serviceAccount: 'cart', name: 'cart-0', labels: {}, instanceIp: '10.0.0.7', interceptionMode: 'REDIRECT' },
      xds: { host: SERVER_NAME, port: 15012, ...tls },
      statsFlushIntervalMs: 2500,
    })));

    expect(execFileSync(findEnvoy(), ['--mode', 'validate', '--disable-hot-restart', '-c', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toContain('OK');
  });

  describe('over the plaintext xds-grpc cluster', () => {
    let reconciler: Reconciler;
    let backend: Backend;
    let cart: EnvoySidecar;
    const cartAddress = uniqueLoopbackAddress();

    beforeAll(async () => {
      backend = await startBackend();
      reconciler = new Reconciler({
        source: new MemorySource(meshConfig(backend, cartAddress)), mesh: DEFAULT_MESH_SETTINGS, log: silentLogger(),
        generate: generateProxyResources, xds: { host: '127.0.0.1', port: 0 }, telemetry: { bodySizeMetrics: true },
      });
      const { xdsPort } = await reconciler.start();
      cart = await EnvoySidecar.start({ xdsPort, instanceIp: cartAddress, name: 'cart-0', namespace: 'shop', labels: { app: 'cart', version: 'v1' }, serviceAccount: 'cart' });
      await cart.waitForConfig({ listeners: [`${cartAddress}_${PORT}`] });
    });

    afterAll(async () => {
      await cart?.stop();
      await reconciler?.stop();
      await backend?.close();
    });

    test('GIVEN 30 requests through the cart sidecar WHEN its stats arrive THEN the reconciler holds them as the cart workload\'s edge to payments', async () => {
      await sendThroughCart(cartAddress, 30);

      await waitUntil(`the reconciler to count 30 requests from cart (log: ${cart.logFile})`, () => sourceRequests(reconciler) >= 30, 20_000, 200);
      const records = [...reconciler.telemetry.store.istio.all()].filter((record) => record.labels.destination_service === HOST);
      expect(records.map((record) => record.labels.source_workload)).toEqual(['cart-v1']);
      const response = records[0].responses.get('200|-|')!;
      expect(response.count).toBe(30);
      expect(response.duration.count).toBeCloseTo(30, 6);
      // Body sizes come from the cluster's request size histogram: 40 bytes each, all in (25, 50];
      // Envoy's histograms are log-linear approximations, so their sum is close, not exact.
      expect(response.requestBytes!.buckets[HISTOGRAM_BOUNDS.indexOf(50)]).toBeCloseTo(30, 6);
      expect(Math.abs(response.requestBytes!.sum / (30 * 40) - 1)).toBeLessThan(0.05);
      expect(cartEdge(reconciler)!.latencyMs!.p99).toBeGreaterThan(0);
    });
  });

  describe('over TLS with a service account token', () => {
    let running: TokenReconciler;
    let reconciler: Reconciler;
    let backend: Backend;
    const envoys: EnvoySidecar[] = [];

    beforeAll(async () => {
      backend = await startBackend();
      running = await startTokenReconciler({
        workDir, serverName: SERVER_NAME, documents: meshConfig(backend, '127.0.0.1'),
        review: async (token) => (token === CART_TOKEN
          ? { authenticated: true, user: { username: 'system:serviceaccount:shop:cart' }, audiences: ['istio-ca'] }
          : { authenticated: false, error: 'token not found' }),
      });
      reconciler = running.reconciler;
    });

    afterAll(async () => {
      await Promise.allSettled(envoys.map((envoy) => envoy.stop()));
      await running?.stop();
      await backend?.close();
    });

    async function startCart(name: string, token: string): Promise<EnvoySidecar> {
      const tokenFile = path.join(workDir, `${name}-token`);
      fs.writeFileSync(tokenFile, token);
      const envoy = await EnvoySidecar.start({
        xdsPort: running.xdsTlsPort, instanceIp: uniqueLoopbackAddress(), name, namespace: 'shop', labels: { app: 'cart', version: 'v1' }, serviceAccount: 'cart',
        xdsTls: { caCertFile: running.caCertFile, serverName: SERVER_NAME, tokenFile },
      });
      envoys.push(envoy);
      return envoy;
    }

    test('GIVEN a valid token WHEN Envoy flushes its stats THEN the stream is accepted and speaks for the cart proxy', async () => {
      const envoy = await startCart('cart-1', CART_TOKEN);

      await waitUntil(`cart-1's stats stream (log: ${envoy.logFile})`, () => reconciler.telemetry.store.reportingProxies().includes(envoy.node.id), 20_000, 100);
      expect(reconciler.telemetry.service.refusals.size).toBe(0);
      expect(reconciler.telemetry.renderMetrics().join('')).toMatch(/reconciler_telemetry_flushes_total [1-9]/);
    });

    test('GIVEN a forged token WHEN Envoy opens its stats stream THEN the reconciler refuses it as unauthenticated', async () => {
      const streamsBefore = reconciler.telemetry.store.openStreams;
      const envoy = await startCart('cart-forged', 'forged-token');

      await waitUntil(`the forged stats stream to be refused (log: ${envoy.logFile})`, () => (reconciler.telemetry.service.refusals.get('unauthenticated') ?? 0) >= 1, 20_000, 100);
      expect(reconciler.telemetry.store.openStreams).toBe(streamsBefore);
    });
  });
});

/** Requests to payments counted as reported by the source proxy. */
function sourceRequests(reconciler: Reconciler): number {
  let requests = 0;
  for (const record of reconciler.telemetry.store.istio.all()) {
    if (record.labels.destination_service === HOST && record.labels.reporter === 'source') {
      for (const response of record.responses.values()) requests += response.count;
    }
  }
  return requests;
}
