/**
 * The data plane outlives its control plane: with the reconciler SIGKILLed under load, every
 * sidecar keeps serving its last config without a failed request, and after a restart every
 * sidecar reconnects and ACKs the config again.
 */
import { Chart, Duration } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { CanaryRelease, Mesh, MeshService, ServiceProtocol } from '../../src';

const RATE_PER_SECOND = 200;
const LOAD_SECONDS = 3;
const KILL_AFTER_MS = 500;

function declareMesh(chart: Chart, mesh: Mesh): void {
  const reviews = new MeshService(chart, 'Reviews', {
    mesh,
    name: 'reviews',
    ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: ['v1', 'v2'].map((name) => ({ name, image: `example.com/reviews:${name}` })),
  });
  new CanaryRelease(chart, 'Canary', {
    service: reviews,
    stable: 'v1',
    canary: 'v2',
    canaryWeight: 20,
    steps: [{ weight: 50, pause: Duration.minutes(5) }],
  });
}

interface TypeSync {
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
}

describe('control plane outage', () => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'control-plane-outage',
      build: declareMesh,
      workloads: [{ service: 'reviews', version: 'v1' }, { service: 'reviews', version: 'v2' }],
      clients: [{ name: 'productpage' }, { name: 'reviewer' }],
      serverSidecars: true,
      reconciler: 'child',
    });
  });

  afterAll(() => mesh?.stop());

  test(`GIVEN ${RATE_PER_SECOND} rps through two client sidecars WHEN the reconciler is SIGKILLed THEN no request fails while it is down, and after a restart every Envoy ACKs again`,
    () => mesh.run(async () => {
      const perClient = (RATE_PER_SECOND / 2) * LOAD_SECONDS;
      const load = Promise.all(['productpage', 'reviewer'].map((client) =>
        mesh.sendMany(perClient, client, { service: 'reviews', path: '/outage' }, { ratePerSecond: RATE_PER_SECOND / 2, concurrency: 8 })));
      await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS));
      await mesh.reconciler.kill();
      expect(mesh.reconciler.isRunning).toBe(false);

      // Everything after the first half second is served with no control plane at all.
      for (const summary of await load) {
        expect(summary.errors).toEqual([]);
        expect(summary.statuses).toEqual({ 200: perClient });
        expect(Object.keys(summary.versions).sort()).toEqual(['v1', 'v2']);
      }

      await mesh.reconciler.restart();
      await mesh.waitUntilServed(30_000);
      const syncz = await mesh.reconcilerOps<Record<string, Record<string, TypeSync>>>('/debug/syncz');
      expect(Object.keys(syncz).sort()).toEqual(mesh.proxyIds().sort());
      for (const types of Object.values(syncz)) {
        for (const status of Object.values(types)) {
          expect(status.ackedVersion).toBeDefined();
          expect(status.ackedVersion).toBe(status.sentVersion);
        }
      }
      const after = await mesh.sendMany(100, 'productpage', { service: 'reviews' });
      expect(after.statuses).toEqual({ 200: 100 });
    }));
});
