/**
 * Access logs through a real client sidecar: with the Mesh's `accessLog`, every request the
 * sidecar handles is one line in the configured file and format, carrying the status Envoy
 * answered with and its response flags: none for a served request, FI for an injected abort,
 * UH for a service with no endpoint; a host outside the registry is answered by Envoy itself
 * (REGISTRY_ONLY), with no upstream.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Chart } from 'cdk8s';
import { MeshScenario, startMeshScenario } from './harness';
import { AbortFault, ChaosExperiment, HttpMatch, Mesh, MeshService, OutboundTrafficPolicy, ServiceProtocol } from '../../src';

const LOG_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-access-log-'));
const LOG_FILE = path.join(LOG_DIR, 'access.log');
const TEST_ID_HEADER = 'x-test-id';

function declareMesh(chart: Chart, mesh: Mesh): void {
  const ratings = new MeshService(chart, 'Ratings', {
    mesh, name: 'ratings', ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: 'example.com/ratings:v1' }],
  });
  new ChaosExperiment(chart, 'MalloryAbort', { service: ratings, match: [HttpMatch.header('end-user').exact('mallory')], abort: AbortFault.httpStatus(503) });
  // Declared, but no instance runs: its cluster has no endpoint.
  new MeshService(chart, 'Details', {
    mesh, name: 'details', ports: [{ port: 9080, protocol: ServiceProtocol.HTTP }], versions: [{ name: 'v1', image: 'example.com/details:v1' }],
  });
}

/** The logged fields of each test request, by its id, once all of `ids` are logged. */
async function loggedLines(ids: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = fs.existsSync(LOG_FILE) ? fs.readFileSync(LOG_FILE, 'utf8') : '';
    const lines = new Map(text.split('\n').filter(Boolean).map((line) => {
      const fields = Object.fromEntries(line.split(' ').map((pair) => pair.split('=') as [string, string]));
      return [fields.id, fields] as const;
    }));
    if (ids.every((id) => lines.has(id)) || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('access logs through real Envoy', () => {
  let mesh: MeshScenario;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'access-log',
      build: declareMesh,
      meshProps: {
        outboundTrafficPolicy: OutboundTrafficPolicy.REGISTRY_ONLY,
        accessLog: { file: LOG_FILE, textFormat: 'id=%REQ(X-TEST-ID)% status=%RESPONSE_CODE% flags=%RESPONSE_FLAGS% cluster=%UPSTREAM_CLUSTER_RAW% method=%REQ(:METHOD)%' },
      },
      workloads: [{ service: 'ratings', version: 'v1' }],
      clients: [{ name: 'productpage' }],
    });
  });

  afterAll(async () => {
    await mesh?.stop();
    fs.rmSync(LOG_DIR, { recursive: true, force: true });
  });

  test('GIVEN served, aborted, endpoint-less and unregistered requests WHEN sent through the client sidecar THEN each is one line with its status and response flags', () => mesh.run(async () => {
    const sent = [
      { id: 'served', request: { service: 'ratings', method: 'POST' } },
      { id: 'aborted', request: { service: 'ratings', headers: { 'end-user': 'mallory' } } },
      { id: 'no-endpoint', request: { service: 'details' } },
      { id: 'unregistered', request: { service: 'ratings', host: 'unknown.example.com' } },
    ];
    const statuses: Record<string, number> = {};
    for (const { id, request } of sent) {
      statuses[id] = (await mesh.request('productpage', { ...request, headers: { ...request.headers, [TEST_ID_HEADER]: id } })).status;
    }
    const lines = await loggedLines(sent.map(({ id }) => id));
    const logged = (id: string) => {
      const { status, flags, method } = lines.get(id) ?? {};
      return { status, flags, method };
    };

    expect(statuses).toEqual({ 'served': 200, 'aborted': 503, 'no-endpoint': 503, 'unregistered': 502 });
    expect(logged('served')).toEqual({ status: '200', flags: '-', method: 'POST' });
    expect(lines.get('served')!.cluster).toBe('outbound|9080||ratings.default.svc.cluster.local');
    expect(logged('aborted')).toEqual({ status: '503', flags: 'FI', method: 'GET' });
    expect(logged('no-endpoint')).toEqual({ status: '503', flags: 'UH', method: 'GET' });
    expect(logged('unregistered')).toEqual({ status: '502', flags: '-', method: 'GET' });
    expect(lines.get('unregistered')!.cluster).toBe('-');
  }));
});
