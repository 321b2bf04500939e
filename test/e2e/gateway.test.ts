/**
 * Ingress with `IngressGateway`: a real Envoy running as the gateway (a `router` node with the
 * construct's labels) is configured by the reconciler from the synthesized Gateway and
 * VirtualServices, and external requests for a host and path reach the right service and
 * version, plaintext and over HTTPS with the certificate of the `credentialName` Secret.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { MeshScenario, startMeshScenario } from './harness';
import { IngressGateway, Mesh, MeshService } from '../../src';
import { createGatewayCredential, GatewayCredential } from './support/gateway-credentials';
import { GatewayProxy } from './support/gateway-proxy';
import { httpService } from './support/http-service';

const GATEWAY_NAME = 'ingress-gateway';
const GATEWAY_NAMESPACE = 'mesh-system';
const CREDENTIAL = 'secure-tls';
/** The IngressGateway listens on the server port + 8000 in the pod (its Service maps 80 → 8080). */
const HTTP_LISTEN_PORT = 8080;
const HTTPS_LISTEN_PORT = 8443;

function service(chart: Chart, mesh: Mesh, name: string, versions: string[]): MeshService {
  return httpService(chart, mesh, name, { versions });
}

function declareMesh(chart: Chart, mesh: Mesh): void {
  const reviews = service(chart, mesh, 'reviews', ['v1', 'v2']);
  const productpage = service(chart, mesh, 'productpage', ['v1']);
  const gateway = new IngressGateway(chart, 'Ingress', { mesh, name: GATEWAY_NAME, replicas: 1 });
  gateway.addHttpServer({ hosts: ['shop.example.com'] });
  gateway.addHttpsServer({ hosts: ['secure.example.com'], credentialName: CREDENTIAL });
  gateway.addRoute('shop.example.com', '/reviews', reviews, 'v2');
  gateway.addRoute('shop.example.com', '/', productpage);
  gateway.addRoute('secure.example.com', '/', reviews, 'v1');
}

describe('ingress gateway (IngressGateway) through a real gateway Envoy', () => {
  let mesh: MeshScenario;
  let gateway: GatewayProxy;
  let credential: GatewayCredential;

  beforeAll(async () => {
    mesh = await startMeshScenario({
      name: 'gateway',
      build: declareMesh,
      workloads: [{ service: 'reviews', version: 'v1' }, { service: 'reviews', version: 'v2' }, { service: 'productpage', version: 'v1' }],
      // Gateway → service traffic is mesh mTLS, as in a cluster.
      serverSidecars: true,
      reconciler: 'child',
    });
    // The certificate Secret, as an operator would create it next to the synthesized config.
    credential = await createGatewayCredential(CREDENTIAL, GATEWAY_NAMESPACE, ['secure.example.com']);
    fs.writeFileSync(path.join(mesh.configDir, 'gateway-credential.yaml'), stringify(credential.secret));
    gateway = await GatewayProxy.start({ xdsPort: mesh.reconciler.xdsPort, name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE });
    mesh.adopt(gateway, gateway.node.id);
    await gateway.waitForListeners([HTTP_LISTEN_PORT, HTTPS_LISTEN_PORT]);
  });

  afterAll(() => mesh?.stop());

  test.each([
    { host: 'shop.example.com', path: '/reviews/7', service: 'reviews', version: 'v2' },
    { host: 'shop.example.com', path: '/', service: 'productpage', version: 'v1' },
    { host: 'shop.example.com', path: '/products/3', service: 'productpage', version: 'v1' },
  ])('GIVEN an HTTP server WHEN an external request for $host$path arrives THEN $service $version answers', ({ host, path: requestPath, service: expectedService, version }) => mesh.run(async () => {
    const response = await gateway.request({ host, port: HTTP_LISTEN_PORT, path: requestPath });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ service: expectedService, version, path: requestPath });
  }));

  test('GIVEN an HTTPS server with a credential Secret WHEN a client verifying the certificate calls THEN TLS terminates at the gateway and reviews v1 answers', () => mesh.run(async () => {
    const response = await gateway.request({ host: 'secure.example.com', port: HTTPS_LISTEN_PORT, path: '/reviews/1', tlsCa: credential.caPem });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ service: 'reviews', version: 'v1' });
  }));

  test('GIVEN the gateway WHEN a request names a host no server serves THEN the gateway answers 404', () => mesh.run(async () => {
    expect((await gateway.request({ host: 'unknown.example.com', port: HTTP_LISTEN_PORT })).status).toBe(404);
  }));
});
