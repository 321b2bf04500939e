/**
 * Time-boxed chaos: a ChaosExperiment with a start time and a duration aborts requests only inside
 * its window. The reconciler opens and closes the window by itself (no config edit): requests are
 * sent at a steady pace across the window and judged by when they were sent.
 */
import { Duration } from 'cdk8s';
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { configLoads } from './harness/convergence';
import { AbortFault, ChaosExperiment, Mesh, MeshService, ServiceProtocol } from '../../src';

/**
 * The window opens this long after the edit that declares it is synthesized, leaving time for the
 * edit to reach the sidecar and for requests before the window, even on a loaded machine.
 */
const LEAD_MS = 8000;
const WINDOW_MS = 8000;
/** Slack at each boundary for the reconciler's push to reach Envoy; samples this close to a boundary are not judged. */
const BOUNDARY_SLACK_MS = 2000;
const PACE_MS = 100;
/** Fewest samples per phase for the phase to say anything. */
const MIN_SAMPLES = 3;

interface Sample {
  readonly sentAt: number;
  readonly status: number;
}

/** A game day declared to the second, as an operator would write it. */
function gameDay(start: Date) {
  return (chart: Chart, mesh: Mesh) => {
    const ratings = new MeshService(chart, 'Ratings', {
      mesh, name: 'ratings', ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: 'example.com/ratings:v1' }],
    });
    new ChaosExperiment(chart, 'GameDay', {
      service: ratings, abort: AbortFault.httpStatus(503), startTime: start.toISOString(), duration: Duration.millis(WINDOW_MS),
    });
  };
}

const wholeSecondAfter = (delayMs: number) => Math.ceil((Date.now() + delayMs) / 1000) * 1000;

describe('time-boxed ChaosExperiment through real Envoy', () => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    // Starting takes as long as the machine needs; the window that is tested is declared afterwards.
    mesh = await startMeshScenario({
      name: 'chaos-window',
      build: gameDay(new Date(wholeSecondAfter(24 * 3600_000))),
      workloads: [{ service: 'ratings', version: 'v1' }],
      clients: [{ name: 'productpage' }],
    });
  });

  afterAll(() => mesh?.stop());

  test('GIVEN an abort window starting shortly WHEN requests are sent before, during and after it THEN only those inside it fail, with no config edit', () => mesh.run(async () => {
    let windowStart = 0;
    await mesh.rebuild((chart, meshConstruct) => {
      windowStart = wholeSecondAfter(LEAD_MS);
      gameDay(new Date(windowStart))(chart, meshConstruct);
    });
    const windowEnd = windowStart + WINDOW_MS;
    // From here on, only the window's boundaries rebuild the config: no file changes.
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

    expect(before.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(inside.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(after.length).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(new Set(before.map((sample) => sample.status))).toEqual(new Set([200]));
    expect(new Set(inside.map((sample) => sample.status))).toEqual(new Set([503]));
    expect(new Set(after.map((sample) => sample.status))).toEqual(new Set([200]));
    expect(await configLoads(mesh.reconciler)).toBeGreaterThan(loadsBefore);
  }));
});
