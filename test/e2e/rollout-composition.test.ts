/**
 * An executed rollout on a host that has more than its weighted route: an ABTest rule and the
 * canary override header keep sending their requests where they say while only the weighted
 * catch-all follows the rollout's step, with real Envoy sidecars; and a proxyless gRPC client
 * (xDS straight from the reconciler, no Envoy) follows the step's weight and, after a rollback,
 * goes 100 % to stable.
 *
 * Each rollout holds its first step with a long pause, so the served weight is known while the
 * traffic is sent; the rollback is an operator's abort, the same transition a breach makes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration } from 'cdk8s';
import { MeshScenario, ProxylessGreeterClient, startMeshScenario, startProxylessClient } from './harness';
import { httpService } from './support/http-service';
import { RolloutView, rolloutOf, servedSubsetWeights, waitForServedCanaryWeight } from './support/rollout-views';
import { MIN_SIGMAS, expectShareNear, shareSigmaPoints } from '../../reconciler/test/support/shares';
import { ABTest, CanaryRelease, HttpMatch, Mesh, MeshService, ServiceProtocol } from '../../src';

jest.setTimeout(180_000);

const CLIENT = 'productpage';
const TOKEN = 'rollout-composition-token';
const CANARY_HEADER = { name: 'x-canary', value: 'always' };
const AB_HEADER = { name: 'end-user', value: 'jason' };
const STEP_WEIGHT = 25;
/** The first step holds for the whole test; the rollout only leaves it when aborted. */
const HELD_STEPS = [{ weight: STEP_WEIGHT, pause: Duration.minutes(10) }, { weight: 100, pause: Duration.seconds(2) }];

function writeToken(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-composition-'));
  fs.writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
  return dir;
}

async function abort(mesh: MeshScenario, key: string): Promise<RolloutView> {
  const { status, body } = await mesh.reconciler.opsPost<RolloutView>(`/rollouts/${key}/abort`, { authorization: `Bearer ${TOKEN}` });
  expect(status).toBe(200);
  return body;
}

function expectShareWithinFourSigma(count: number, total: number, expectedPercent: number): void {
  expectShareNear(count, total, expectedPercent, MIN_SIGMAS * shareSigmaPoints(total, expectedPercent));
}

describe('rollout composed with an ABTest rule and the override header (Envoy sidecars)', () => {
  const KEY = 'default/reviews/reviews-canary';
  const UNMATCHED = 800;
  let mesh: MeshScenario;
  let tokenDir: string;

  beforeAll(async () => {
    tokenDir = writeToken();
    mesh = await startMeshScenario({
      name: 'rollout-abtest',
      build: (chart: Chart, meshConstruct: Mesh) => {
        const reviews: MeshService = httpService(chart, meshConstruct, 'reviews', { versions: ['v1', 'v2', 'v3'] });
        new ABTest(chart, 'ReviewsAB', { service: reviews, rules: [{ match: [HttpMatch.header(AB_HEADER.name).exact(AB_HEADER.value)], version: 'v3' }] });
        new CanaryRelease(chart, 'ReviewsCanary', {
          service: reviews, stable: 'v1', canary: 'v2', canaryWeight: 0, alwaysCanaryHeader: CANARY_HEADER, steps: HELD_STEPS,
        });
      },
      workloads: ['v1', 'v2', 'v3'].map((version) => ({ service: 'reviews', version })),
      clients: [{ name: CLIENT }],
      reconciler: 'child',
      reconcilerArgs: ['--ops-token-file', path.join(tokenDir, 'token')],
    });
  });

  afterAll(async () => {
    await mesh?.stop();
    fs.rmSync(tokenDir, { recursive: true, force: true });
  });

  test(`GIVEN the rollout serves ${STEP_WEIGHT} % WHEN matched, forced and unmatched requests are sent THEN the rule gets v3, the header v2, the rest splits at ${STEP_WEIGHT} % (±4σ); after an abort the rest is 100 % v1 and the rule and header still hold`,
    () => mesh.run(async () => {
      expect(await rolloutOf(mesh, KEY)).toMatchObject({ state: 'Progressing', step: '1/2', weight: STEP_WEIGHT });
      await waitForServedCanaryWeight(mesh, 'reviews', STEP_WEIGHT);

      const matched = await mesh.sendMany(100, CLIENT, { service: 'reviews', headers: { [AB_HEADER.name]: AB_HEADER.value } });
      const forced = await mesh.sendMany(100, CLIENT, { service: 'reviews', headers: { [CANARY_HEADER.name]: CANARY_HEADER.value } });
      const unmatched = await mesh.sendMany(UNMATCHED, CLIENT, { service: 'reviews' });
      expect({ matched: matched.versions, forced: forced.versions }).toEqual({ matched: { v3: 100 }, forced: { v2: 100 } });
      expect(unmatched.errors).toEqual([]);
      expect(unmatched.versions.v3).toBeUndefined();
      expect((unmatched.versions.v1 ?? 0) + (unmatched.versions.v2 ?? 0)).toBe(UNMATCHED);
      expectShareWithinFourSigma(unmatched.versions.v2 ?? 0, UNMATCHED, STEP_WEIGHT);

      expect(await abort(mesh, KEY)).toMatchObject({ state: 'Failed', weight: 0 });
      await waitForServedCanaryWeight(mesh, 'reviews', 0);
      const after = await Promise.all([
        mesh.sendMany(100, CLIENT, { service: 'reviews', headers: { [AB_HEADER.name]: AB_HEADER.value } }),
        mesh.sendMany(100, CLIENT, { service: 'reviews', headers: { [CANARY_HEADER.name]: CANARY_HEADER.value } }),
        mesh.sendMany(200, CLIENT, { service: 'reviews' }),
      ]);
      expect(after.map((summary) => summary.versions)).toEqual([{ v3: 100 }, { v2: 100 }, { v1: 200 }]);
    }));
});

describe('rollout followed by a proxyless gRPC client', () => {
  const KEY = 'default/greeter/greeter-canary';
  const GRPC_PORT = 9090;
  const CALLS = 2000;
  let mesh: MeshScenario;
  let client: ProxylessGreeterClient;
  let tokenDir: string;

  beforeAll(async () => {
    tokenDir = writeToken();
    mesh = await startMeshScenario({
      name: 'rollout-proxyless',
      build: (chart: Chart, meshConstruct: Mesh) => {
        const greeter = new MeshService(chart, 'Greeter', {
          mesh: meshConstruct,
          name: 'greeter',
          ports: [{ port: GRPC_PORT, protocol: ServiceProtocol.GRPC }],
          versions: ['v1', 'v2'].map((name) => ({ name, image: `example.com/greeter:${name}` })),
        });
        new CanaryRelease(chart, 'GreeterCanary', {
          service: greeter, stable: 'v1', canary: 'v2', canaryWeight: 0, alwaysCanaryHeader: CANARY_HEADER, steps: HELD_STEPS,
        });
      },
      workloads: [{ service: 'greeter', version: 'v1', backend: 'grpc' }, { service: 'greeter', version: 'v2', backend: 'grpc' }],
      reconciler: 'child',
      reconcilerArgs: ['--ops-token-file', path.join(tokenDir, 'token')],
    });
    client = await startProxylessClient(mesh, { name: 'frontend', service: 'greeter', port: GRPC_PORT });
  });

  afterAll(async () => {
    await mesh?.stop();
    fs.rmSync(tokenDir, { recursive: true, force: true });
  });

  test(`GIVEN the rollout serves ${STEP_WEIGHT} % WHEN the proxyless client makes ${CALLS} calls THEN its RDS carries ${STEP_WEIGHT} % and the calls split so (±4σ); after an abort its RDS drops the canary and every call goes to v1`,
    () => mesh.run(async () => {
      expect(await rolloutOf(mesh, KEY)).toMatchObject({ state: 'Progressing', step: '1/2', weight: STEP_WEIGHT });
      await waitForServedCanaryWeight(mesh, 'greeter', STEP_WEIGHT);
      // The proxyless client is the only xDS client here: the served weight is its own RDS.
      expect(mesh.proxyIds()).toEqual([client.nodeId]);
      expect(await servedSubsetWeights(mesh, 'greeter', 'v1')).toEqual([100 - STEP_WEIGHT]);

      const split = await client.helloMany(CALLS);
      expect(split.errors).toEqual([]);
      expect(split.statuses).toEqual({ 0: CALLS });
      expectShareWithinFourSigma(split.versions.v2 ?? 0, CALLS, STEP_WEIGHT);
      expect((await client.helloMany(100, { [CANARY_HEADER.name]: CANARY_HEADER.value })).versions).toEqual({ v2: 100 });

      expect(await abort(mesh, KEY)).toMatchObject({ state: 'Failed', weight: 0 });
      await waitForServedCanaryWeight(mesh, 'greeter', 0);
      const after = await client.helloMany(400);
      expect({ versions: after.versions, errors: after.errors }).toEqual({ versions: { v1: 400 }, errors: [] });
    }));
});
