/**
 * Egress with `ExternalService`: a loopback server stands in for an external API declared as a
 * MESH_EXTERNAL ServiceEntry (STATIC endpoint). Sidecars route to it by host; with the Mesh's
 * `outboundTrafficPolicy: REGISTRY_ONLY` (served through the synthesized mesh config) any
 * undeclared host is answered 502 by the sidecar (Istio's `block_all`) and never leaves it.
 */
import * as http from 'http';
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { uniqueLoopbackAddress } from '../../reconciler/test/support/ports';
import { ExternalResolution, ExternalService, Mesh, MeshService, OutboundTrafficPolicy, ServiceProtocol } from '../../src';

/** The external API shares the mesh services' port, so the caller's egress listener on it carries both. */
const PORT = 9080;
const EXTERNAL_HOST = 'api.partner.example';

interface ExternalApi {
  readonly address: string;
  readonly hits: () => number;
  close(): Promise<void>;
}

async function startExternalApi(): Promise<ExternalApi> {
  const address = uniqueLoopbackAddress();
  let hits = 0;
  const server = http.createServer((request, response) => {
    hits += 1;
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ externalApi: true, host: request.headers.host }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(PORT, address, () => resolve());
  });
  return {
    address,
    hits: () => hits,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function declareMesh(externalAddress: string) {
  return (chart: Chart, mesh: Mesh) => {
    new MeshService(chart, 'Reviews', {
      mesh, name: 'reviews', ports: [{ port: PORT, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: 'example.com/reviews:v1' }],
    });
    new ExternalService(chart, 'PartnerApi', {
      mesh,
      hosts: [EXTERNAL_HOST],
      ports: [{ port: PORT, protocol: ServiceProtocol.HTTP }],
      resolution: ExternalResolution.STATIC,
      endpoints: [externalAddress],
    });
  };
}

describe('egress to declared external hosts (ExternalService, REGISTRY_ONLY)', () => {
  let mesh: MeshScenario;
  let externalApi: ExternalApi;

  beforeAll(async () => {
    externalApi = await startExternalApi();
    mesh = await startMeshScenario({
      name: 'egress',
      build: declareMesh(externalApi.address),
      meshProps: { outboundTrafficPolicy: OutboundTrafficPolicy.REGISTRY_ONLY },
      workloads: [{ service: 'reviews', version: 'v1' }],
      clients: [{ name: 'productpage' }],
      serverSidecars: true,
      reconciler: 'child',
    });
    mesh.adopt({ description: `external API stand-in on ${externalApi.address}:${PORT}`, stop: () => externalApi.close() });
  });

  afterAll(async () => {
    if (mesh) await mesh.stop();
    else await externalApi?.close();
  });

  test('GIVEN an ExternalService WHEN the client sidecar calls its host THEN the external API answers', () => mesh.run(async () => {
    const hitsBefore = externalApi.hits();
    const response = await mesh.request('productpage', { host: EXTERNAL_HOST, port: PORT, path: '/v1/charges' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ externalApi: true, host: EXTERNAL_HOST });
    expect(externalApi.hits()).toBe(hitsBefore + 1);
  }));

  test.each([
    { host: 'undeclared.example.com' },
    { host: 'api.partner.example.evil.com' },
  ])('GIVEN REGISTRY_ONLY WHEN the client sidecar is asked for the undeclared host $host THEN it answers 502 and nothing leaves', ({ host }) => mesh.run(async () => {
    const hitsBefore = externalApi.hits();
    const response = await mesh.request('productpage', { host, port: PORT });
    expect(response.status).toBe(502);
    expect(externalApi.hits()).toBe(hitsBefore);
  }));

  test('GIVEN REGISTRY_ONLY WHEN the client calls a mesh service THEN it is still served', () => mesh.run(async () => {
    const response = await mesh.request('productpage', { service: 'reviews', path: '/reviews/1' });
    expect(response.status).toBe(200);
    expect(response.version).toBe('v1');
  }));
});
