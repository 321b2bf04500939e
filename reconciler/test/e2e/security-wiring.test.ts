/**
 * The reconciler's security wiring over a real ADS stream: callers are authenticated before their
 * first request (token review in Kubernetes mode, loopback in directory mode), a proxy may only
 * claim its own service account, its first snapshot carries its SDS certificate, and a rotation
 * pass re-issues due certificates and pushes them.
 */
import * as grpc from '@grpc/grpc-js';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NODE_METADATA } from '../../src/model';
import { silentLogger } from '../../src/log';
import { TYPE_URLS } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { Reconciler } from '../../src/reconciler';
import { DirectoryCaStore } from '../../src/security/directory-ca-store';
import { loadMeshSecurity, MeshSecurity } from '../../src/security/mesh-security';
import { TokenReviewAuthenticator, TokenReviewStatus } from '../../src/security/token-review-authenticator';
import { LOOPBACK_AUTHENTICATOR, ProxyAuthenticator, isLoopbackHost, peerHost } from '../../src/xds/ads/proxy-authentication';
import { generateProxyResources } from '../../src/xds/generators';
import { TestAdsStream } from '../support/ads-client';
import { MemorySource } from '../support/memory-source';

const node = (serviceAccount: string) => ({
  id: `sidecar~127.0.0.9~cart-0.shop~shop.svc.cluster.local`,
  metadata: { [NODE_METADATA.namespace]: 'shop', [NODE_METADATA.serviceAccount]: serviceAccount, [NODE_METADATA.interceptionMode]: 'NONE', [NODE_METADATA.instanceIps]: '127.0.0.9' },
});

/** A fake API server: tokens map to TokenReview statuses; records the audiences asked for. */
function fakeReviewer(statuses: Record<string, TokenReviewStatus>) {
  const audiencesSeen: string[][] = [];
  const review = async (token: string, audiences: readonly string[]) => {
    audiencesSeen.push([...audiences]);
    return statuses[token] ?? { authenticated: false, error: 'token not found' };
  };
  return { review, audiencesSeen };
}

const TOKENS: Record<string, TokenReviewStatus> = {
  'cart-token': { authenticated: true, user: { username: 'system:serviceaccount:shop:cart' }, audiences: ['istio-ca'] },
  'user-token': { authenticated: true, user: { username: 'alice@example.com' }, audiences: ['istio-ca'] },
  'api-token': { authenticated: true, user: { username: 'system:serviceaccount:shop:cart' }, audiences: ['https://kubernetes.default.svc'] },
};

describe('reconciler security wiring', () => {
  let caDir: string;
  let security: MeshSecurity;
  let reconciler: Reconciler | undefined;
  const streams: TestAdsStream[] = [];
  const clock = { now: Date.now() };

  beforeAll(async () => {
    caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ca-'));
    security = await loadMeshSecurity(new DirectoryCaStore(caDir), DEFAULT_MESH_SETTINGS, { certificateLifetimeMs: 60 * 60 * 1000, clock: () => new Date(clock.now) });
  });

  afterEach(async () => {
    streams.splice(0).forEach((stream) => stream.close());
    await reconciler?.stop();
    reconciler = undefined;
  });

  afterAll(() => fs.rmSync(caDir, { recursive: true, force: true }));

  async function start(authenticator?: ProxyAuthenticator) {
    reconciler = new Reconciler({
      source: new MemorySource(), mesh: DEFAULT_MESH_SETTINGS, log: silentLogger(),
      generate: (push, proxy) => generateProxyResources(push, proxy, security.extensions),
      certificates: security.certificates, authenticator, rotationCheckMs: 60_000,
      xds: { host: '127.0.0.1', port: 0 },
    });
    return (await reconciler.start()).xdsPort;
  }

  function open(port: number, serviceAccount: string, token?: string) {
    const stream = TestAdsStream.open(port, 'sotw', token ? { authorization: `Bearer ${token}` } : undefined);
    streams.push(stream);
    stream.send({ node: node(serviceAccount), type_url: TYPE_URLS.secret, resource_names: ['default', 'ROOTCA'] });
    return stream;
  }

  test.each([
    ['no token', undefined, 'cart', grpc.status.UNAUTHENTICATED, "no 'authorization: Bearer <token>'"],
    ['an unknown token', 'forged', 'cart', grpc.status.UNAUTHENTICATED, 'token not found'],
    ['a token for another audience', 'api-token', 'cart', grpc.status.UNAUTHENTICATED, 'not for audience "istio-ca"'],
    ['a user token', 'user-token', 'cart', grpc.status.PERMISSION_DENIED, 'not a service account'],
    ['the cart token claiming another account', 'cart-token', 'payments', grpc.status.PERMISSION_DENIED, 'claims service account shop/payments but its token belongs to shop/cart'],
  ])('GIVEN token review WHEN a stream opens with %s THEN it is refused with a status saying why', async (_, token, serviceAccount, code, message) => {
    const reviewer = fakeReviewer(TOKENS);
    const port = await start(new TokenReviewAuthenticator(reviewer.review));

    const failure = await open(port, serviceAccount, token).failed() as grpc.ServiceError;

    expect(failure.code).toBe(code);
    expect(failure.details).toContain(message);
  });

  test('GIVEN token review WHEN the cart proxy opens a stream with its own token THEN it receives its own certificate and the root', async () => {
    const reviewer = fakeReviewer(TOKENS);
    const port = await start(new TokenReviewAuthenticator(reviewer.review));

    const response = await open(port, 'cart', 'cart-token').next();

    expect(reviewer.audiencesSeen).toEqual([['istio-ca']]);
    expect(response.resources.map((secret: any) => secret.name).sort()).toEqual(['ROOTCA', 'default']);
    const issued = security.certificates.peek({ namespace: 'shop', serviceAccount: 'cart' });
    expect(response.resources.find((secret: any) => secret.name === 'default').tls_certificate.certificate_chain.inline_string).toBe(issued!.certificateChainPem);
  });

  test('GIVEN a connected proxy WHEN its certificate passes half its lifetime and the rotation pass runs THEN a new certificate is pushed', async () => {
    const port = await start();
    const stream = open(port, 'rotating');
    const first = await stream.next();
    stream.send({ type_url: TYPE_URLS.secret, resource_names: ['default', 'ROOTCA'], version_info: first.version_info, response_nonce: first.nonce });
    const chainOf = (response: any) => response.resources.find((secret: any) => secret.name === 'default').tls_certificate.certificate_chain.inline_string;

    clock.now += 31 * 60 * 1000;
    await reconciler!.checkCertificateRotation();
    const second = await stream.next();

    expect(chainOf(second)).not.toBe(chainOf(first));
    expect(second.version_info).not.toBe(first.version_info);
    expect(reconciler!.metrics.certificateRotations.get()).toBe(1);
  });

  test.each([
    ['ipv4:127.0.0.1:5000', true],
    ['ipv4:127.31.4.2:5000', true],
    ['ipv6:[::1]:5000', true],
    ['ipv4:10.0.0.7:5000', false],
    ['ipv6:[2001:db8::1]:5000', false],
  ])('GIVEN directory mode WHEN peer %s connects THEN it is trusted: %s', async (peer, trusted) => {
    expect(isLoopbackHost(peerHost(peer))).toBe(trusted);
    const outcome = LOOPBACK_AUTHENTICATOR.authenticate({ metadata: new grpc.Metadata(), peer });
    if (trusted) await expect(outcome).resolves.toEqual({ kind: 'trusted-peer', peer });
    else await expect(outcome).rejects.toThrow('directory mode serves only loopback proxies');
  });
});
