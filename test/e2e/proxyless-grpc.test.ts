/**
 * Proxyless gRPC: a grpc-js client with the xDS resolver talks to the reconciler directly (no
 * Envoy anywhere) and still follows the mesh's routing, declared with the constructs: the canary
 * weights and the override header.
 */
import { Chart } from 'cdk8s';
import { MeshScenario, ProxylessGreeterClient, startMeshScenario, startProxylessClient } from './harness';
import { expectShareNear } from '../../reconciler/test/support/shares';
import { CanaryRelease, Mesh, MeshService, ServiceProtocol } from '../../src';

const GRPC_PORT = 9090;
const SPLIT_CALLS = 2000;
/** Percentage points; sigma of a 90/10 share over 2 000 calls is 0.67 points, so this is 4.5 sigma. */
const SPLIT_TOLERANCE = 3;

function declareMesh(chart: Chart, mesh: Mesh): void {
  const greeter = new MeshService(chart, 'Greeter', {
    mesh,
    name: 'greeter',
    ports: [{ port: GRPC_PORT, protocol: ServiceProtocol.GRPC }],
    versions: ['v1', 'v2'].map((name) => ({ name, image: `example.com/greeter:${name}` })),
  });
  new CanaryRelease(chart, 'GreeterCanary', {
    service: greeter,
    stable: 'v1',
    canary: 'v2',
    canaryWeight: 10,
    alwaysCanaryHeader: { name: 'x-canary', value: 'always' },
  });
}

describe('proxyless gRPC client', () => {
  let mesh: MeshScenario;
  let client: ProxylessGreeterClient;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'proxyless-grpc',
      build: declareMesh,
      workloads: [
        { service: 'greeter', version: 'v1', backend: 'grpc', instances: 2 },
        { service: 'greeter', version: 'v2', backend: 'grpc' },
      ],
    });
    client = await startProxylessClient(mesh, { name: 'frontend', service: 'greeter', port: GRPC_PORT });
  });

  afterAll(() => mesh?.stop());

  test(`GIVEN a 90/10 CanaryRelease WHEN the proxyless client makes ${SPLIT_CALLS} calls THEN each version's share is within ${SPLIT_TOLERANCE} points`,
    () => mesh.run(async () => {
      const summary = await client.helloMany(SPLIT_CALLS);
      expect(summary.errors).toEqual([]);
      expect(summary.statuses).toEqual({ 0: SPLIT_CALLS });
      expectShareNear(summary.versions.v1 ?? 0, SPLIT_CALLS, 90, SPLIT_TOLERANCE);
      expectShareNear(summary.versions.v2 ?? 0, SPLIT_CALLS, 10, SPLIT_TOLERANCE);
    }));

  test.each([
    ['x-canary: always', { 'x-canary': 'always' }, { v2: 200 }],
    ['x-canary with another value', { 'x-canary': 'never' }, undefined],
  ])('GIVEN the override header WHEN 200 calls carry %s THEN the canary answers them all (or the split applies)', (_, metadata, expected) => mesh.run(async () => {
    const summary = await client.helloMany(200, metadata);
    expect(summary.statuses).toEqual({ 0: 200 });
    if (expected) {
      expect(summary.versions).toEqual(expected);
    } else {
      expect(summary.versions.v1).toBeGreaterThan(summary.versions.v2 ?? 0);
    }
  }));

  test('GIVEN the client is connected WHEN syncz is read THEN it ACKed listeners, routes, clusters and endpoints with no NACK', () => mesh.run(async () => {
    const syncz = await mesh.reconcilerOps<Record<string, Record<string, { ackedVersion?: string; sentVersion?: string; lastNack?: unknown }>>>('/debug/syncz');
    const types = syncz[client.nodeId];
    expect(Object.keys(types).map((typeUrl) => typeUrl.split('.').pop()).sort()).toEqual(['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration']);
    for (const status of Object.values(types)) {
      expect(status.lastNack).toBeUndefined();
      expect(status.ackedVersion).toBe(status.sentVersion);
    }
  }));

  test('GIVEN two v1 instances WHEN the client calls THEN the gRPC backends saw the calls for the service authority', () => mesh.run(async () => {
    const hosts = mesh.backends('greeter').flatMap((backend) => Object.keys(backend.hitsByHost()));
    expect(new Set(hosts)).toEqual(new Set([`greeter.default.svc.cluster.local:${GRPC_PORT}`]));
  }));
});
