/**
 * Kubernetes-mode proxy authentication with real Envoy: a bootstrap with `xds.tokenFile` makes
 * Envoy send the token as `authorization: Bearer <token>` on the ADS stream over TLS verified
 * against the mesh root; the reconciler's token review (a fake API server here) sees it, and the
 * proxy gets its configuration only when the token is valid for its claimed service account.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildEnvoyBootstrap } from '../../src/model';
import type { TokenReviewStatus } from '../../src/security/token-review-authenticator';
import { findEnvoy } from '../support/envoy';
import { ADMIN_TIMEOUT_MS, httpRequest } from '../support/http-request';
import { MemorySource } from '../support/memory-source';
import { freePort, uniqueLoopbackAddress } from '../support/ports';
import { startTokenReconciler, TokenReconciler } from '../support/token-reconciler';
import { waitUntil } from '../support/wait';
import { terminate } from '../support/terminate';

/** The name sidecars verify, as the Mesh construct injects it for namespace mesh-system. */
const SERVER_NAME = 'mesh-reconciler.mesh-system.svc';
const CART_TOKEN = 'projected-token-of-shop-cart';

/** A fake API server: only the cart token is valid, for the istio-ca audience. */
function fakeTokenReviewer() {
  const reviewed: { token: string; audiences: string[] }[] = [];
  const review = async (token: string, audiences: readonly string[]): Promise<TokenReviewStatus> => {
    reviewed.push({ token, audiences: [...audiences] });
    return token === CART_TOKEN
      ? { authenticated: true, user: { username: 'system:serviceaccount:shop:cart' }, audiences: ['istio-ca'] }
      : { authenticated: false, error: 'token not found' };
  };
  return { review, reviewed };
}

/** One Envoy started from a bootstrap with a token file; files removed on stop. */
class TokenAuthenticatedEnvoy {
  private exited = false;

  private constructor(readonly adminAddress: string, readonly adminPort: number, readonly logFile: string, private readonly child: ChildProcess) {
    child.once('exit', () => { this.exited = true; });
  }

  static async start(workDir: string, name: string, xds: { port: number; caCertFile: string; tokenFile: string }): Promise<TokenAuthenticatedEnvoy> {
    const ip = uniqueLoopbackAddress();
    const adminPort = await freePort(ip);
    const bootstrap = buildEnvoyBootstrap({
      node: {
        id: `sidecar~${ip}~${name}.shop~shop.svc.cluster.local`, cluster: 'cart.shop', namespace: 'shop', serviceAccount: 'cart',
        name, labels: { app: 'cart' }, instanceIp: ip, interceptionMode: 'NONE',
      },
      xds: { host: '127.0.0.1', port: xds.port, caCertFile: xds.caCertFile, serverName: SERVER_NAME, tokenFile: xds.tokenFile },
      adminAddress: ip,
      adminPort,
      listenAddress: ip,
      prometheusPort: await freePort(ip),
      readinessPort: await freePort(ip),
    });
    const bootstrapFile = path.join(workDir, `${name}.json`);
    fs.writeFileSync(bootstrapFile, JSON.stringify(bootstrap));
    const logFile = path.join(workDir, `${name}.log`);
    const child = spawn(findEnvoy(), ['-c', bootstrapFile, '--concurrency', '1', '--use-dynamic-base-id', '--log-path', logFile, '-l', 'info'],
      { stdio: ['ignore', 'ignore', 'ignore'] });
    const envoy = new TokenAuthenticatedEnvoy(ip, adminPort, logFile, child);
    await waitUntil(`Envoy ${name} admin (log: ${logFile})`, async () => {
      if (envoy.exited) throw new Error(`Envoy ${name} exited at startup; log: ${logFile}`);
      return (await envoy.stats().catch(() => undefined)) !== undefined;
    }, 20_000, 50);
    return envoy;
  }

  async stats(): Promise<Record<string, number>> {
    const response = await httpRequest({ host: this.adminAddress, port: this.adminPort, path: '/stats?format=json', timeoutMs: ADMIN_TIMEOUT_MS });
    const stats = (JSON.parse(response.body) as { stats: { name?: string; value?: number }[] }).stats;
    return Object.fromEntries(stats.filter((stat) => stat.name && typeof stat.value === 'number').map((stat) => [stat.name!, stat.value!]));
  }

  async stop(): Promise<void> {
    await terminate(this.child);
  }
}

describe('Envoy authenticating to the reconciler with a service account token', () => {
  let workDir: string;
  let running: TokenReconciler;
  let xdsTlsPort: number;
  let caCertFile: string;
  const reviewer = fakeTokenReviewer();
  const envoys: TokenAuthenticatedEnvoy[] = [];

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-token-auth-'));
    running = await startTokenReconciler({ workDir, serverName: SERVER_NAME, review: reviewer.review });
    ({ xdsTlsPort, caCertFile } = running);
  });

  afterAll(async () => {
    await Promise.allSettled(envoys.map((envoy) => envoy.stop()));
    await running?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function startEnvoy(name: string, token: string): Promise<TokenAuthenticatedEnvoy> {
    const tokenFile = path.join(workDir, `${name}-token`);
    fs.writeFileSync(tokenFile, token);
    const envoy = await TokenAuthenticatedEnvoy.start(workDir, name, { port: xdsTlsPort, caCertFile, tokenFile });
    envoys.push(envoy);
    return envoy;
  }

  test('GIVEN the bootstrap WHEN real Envoy validates it THEN it is accepted', () => {
    const bootstrapFile = path.join(workDir, 'validate.json');
    fs.writeFileSync(bootstrapFile, JSON.stringify(buildEnvoyBootstrap({
      node: { id: 'sidecar~10.0.0.7~cart-0.shop~shop.svc.cluster.local', cluster: 'cart.shop', namespace: 'shop', serviceAccount: 'cart', name: 'cart-0', labels: {}, instanceIp: '10.0.0.7', interceptionMode: 'REDIRECT' },
      xds: { host: SERVER_NAME, port: 15012, caCertFile, serverName: SERVER_NAME, tokenFile: path.join(workDir, 'absent-token') },
    })));

    const output = execFileSync(findEnvoy(), ['--mode', 'validate', '-c', bootstrapFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

    expect(output).toContain('OK');
  });

  test('GIVEN a valid token file WHEN Envoy connects over TLS THEN the token reaches the reviewer and Envoy receives its config', async () => {
    const envoy = await startEnvoy('cart-0', CART_TOKEN);

    await waitUntil(`cart-0 to receive clusters and listeners (log: ${envoy.logFile})`, async () => {
      const stats = await envoy.stats();
      return stats['cluster_manager.cds.update_success'] >= 1 && stats['listener_manager.lds.update_success'] >= 1;
    }, 15_000, 100);

    expect(reviewer.reviewed).toContainEqual({ token: CART_TOKEN, audiences: ['istio-ca'] });
    expect((await envoy.stats())['control_plane.connected_state']).toBe(1);
  });

  test('GIVEN a forged token file WHEN Envoy connects THEN the reviewer refuses it and Envoy gets no config', async () => {
    const envoy = await startEnvoy('cart-forged', 'forged-token');

    await waitUntil('the forged token to be reviewed', () => reviewer.reviewed.some((review) => review.token === 'forged-token'), 15_000, 50);
    // Give a wrongly accepted stream the time to deliver its first response.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const stats = await envoy.stats();
    expect(stats['cluster_manager.cds.update_success'] ?? 0).toBe(0);
    expect(stats['control_plane.connected_state']).toBe(0);
  });
});
