/**
 * The basics: a MeshService with several versions and no routing constructs spreads requests over
 * every version, through a real client sidecar fed by the reconciler from the synthesized YAML.
 */
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { Mesh, MeshService, ServiceProtocol } from '../../src';

const VERSIONS = ['v1', 'v2', 'v3'];

function reviews(chart: Chart, mesh: Mesh): MeshService {
  return new MeshService(chart, 'Reviews', {
    mesh,
    name: 'reviews',
    ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }],
    versions: VERSIONS.map((name) => ({ name, image: `example.com/reviews:${name}` })),
  });
}

describe.each([
  { reconciler: 'in-process' as const, serverSidecars: false },
  { reconciler: 'child' as const, serverSidecars: true },
])('MeshService default routing (reconciler $reconciler, server sidecars $serverSidecars)', ({ reconciler, serverSidecars }) => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'default-routing',
      build: (chart, meshConstruct) => { reviews(chart, meshConstruct); },
      workloads: VERSIONS.map((version) => ({ service: 'reviews', version })),
      clients: [{ name: 'productpage' }],
      reconciler,
      serverSidecars,
    });
  });

  afterAll(() => mesh?.stop());

  test('GIVEN three versions and no routing constructs WHEN 300 requests go through the client sidecar THEN every version answers some of them', () => mesh.run(async () => {
    const summary = await mesh.sendMany(300, 'productpage', { service: 'reviews', path: '/reviews/1' });
    expect(summary.errors).toEqual([]);
    expect(summary.statuses).toEqual({ 200: 300 });
    for (const version of VERSIONS) {
      expect(summary.versions[version] ?? 0).toBeGreaterThan(30);
    }
  }));
});
