/**
 * Time-boxed chaos: a ChaosExperiment with a start time and a duration aborts requests only inside
 * its window. The reconciler opens and closes the window by itself (no config edit): requests are
 * sent at a steady pace across the window and judged by when they were sent.
 */
import { Duration } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { configLoads } from './harness/convergence';
import { AbortFault, ChaosExperiment, MeshService, ServiceProtocol } from '../../src';

/** The window opens this long after synthesis, leaving time for the sidecar to start and a few requests before it. */
const LEAD_MS = 6000;
const WINDOW_MS = 4000;
/** Slack at each boundary for the push to reach Envoy. */
const BOUNDARY_SLACK_MS = 750;
const PACE_MS = 100;

interface Sample {
  readonly sentAt: number;
  readonly status: number;
}

describe('time-boxed ChaosExperiment through real Envoy', () => {
  let mesh: MeshScenario;
  let windowStart = 0;
  let windowEnd = 0;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'chaos-window',
      build: (chart, meshConstruct) => {
        const ratings = new MeshService(chart, 'Ratings', {
          mesh: meshConstruct, name: 'ratings', ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: 'example.com/ratings:v1' }],
        });
        // Whole seconds: the window is declared to the second, as a game day would be.
        windowStart = Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000;
        windowEnd = windowStart + WINDOW_MS;
        new ChaosExperiment(chart, 'GameDay', {
          service: ratings, abort: AbortFault.httpStatus(503), startTime: new Date(windowStart).toISOString(), duration: Duration.millis(WINDOW_MS),
        });
      },
      workloads: [{ service: 'ratings', version: 'v1' }],
      clients: [{ name: 'productpage' }],
    });
  });

  afterAll(() => mesh?.stop());

  test('GIVEN an abort window starting shortly WHEN requests are sent before, during and after it THEN only those inside it fail, with no config edit', () => mesh.run(async () => {
    // A window boundary rebuilds the config without any file change.
    const loadsBefore = await configLoads(mesh.reconciler);
    const samples: Sample[] = [];
    while (Date.now() < windowEnd + 2 * BOUNDARY_SLACK_MS + 1000) {
      const sentAt = Date.now();
      const response = await mesh.request('productpage', { service: 'ratings' });
      samples.push({ sentAt, status: response.status });
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
    const before = samples.filter((sample) => sample.sentAt < windowStart - BOUNDARY_SLACK_MS);
    const inside = samples.filter((sample) => sample.sentAt >= windowStart + BOUNDARY_SLACK_MS && sample.sentAt < windowEnd - BOUNDARY_SLACK_MS);
    const after = samples.filter((sample) => sample.sentAt >= windowEnd + BOUNDARY_SLACK_MS);

    expect(before.length).toBeGreaterThan(0);
    expect(inside.length).toBeGreaterThan(10);
    expect(after.length).toBeGreaterThan(5);
    expect(new Set(before.map((sample) => sample.status))).toEqual(new Set([200]));
    expect(new Set(inside.map((sample) => sample.status))).toEqual(new Set([503]));
    expect(new Set(after.map((sample) => sample.status))).toEqual(new Set([200]));
    expect(await configLoads(mesh.reconciler)).toBeGreaterThan(loadsBefore);
  }));
});
