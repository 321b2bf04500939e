/**
 * Traffic in and out of the mesh: an ingress gateway serving the shop over HTTPS (HTTP
 * redirects), routing `/` to the frontend and `/api/` to the API's v2, and a mesh that only lets
 * sidecars call hosts it knows, opened to one payment provider and one legacy database. Run
 * `npx projen synth` to write it to `dist/ingress-egress/`.
 */
import { App, Chart } from 'cdk8s';
import {
  ExternalResolution, ExternalService, GatewayServiceType, IngressGateway, Mesh, MeshService, OutboundTrafficPolicy, ServiceProtocol,
} from '../../src';

export function buildIngressEgress(app: App): Chart {
  const chart = new Chart(app, 'ingress-egress');
  const mesh = new Mesh(chart, 'mesh', { outboundTrafficPolicy: OutboundTrafficPolicy.REGISTRY_ONLY });
  const service = (name: string, versions: string[]) => new MeshService(chart, name, {
    mesh,
    name,
    namespace: 'shop',
    ports: [{ name: 'http', port: 8080, protocol: ServiceProtocol.HTTP }],
    versions: versions.map(version => ({ name: version, image: `registry.example.com/shop/${name}:${version}` })),
  });
  const frontend = service('frontend', ['v1']);
  const api = service('api', ['v1', 'v2']);

  const gateway = new IngressGateway(chart, 'Ingress', { mesh, serviceType: GatewayServiceType.LOAD_BALANCER });
  gateway.addHttpServer({ hosts: ['shop.example.com'], httpsRedirect: true });
  gateway.addHttpsServer({ hosts: ['shop.example.com'], credentialName: 'shop-example-com-tls' });
  gateway.addRoute('shop.example.com', '/', frontend);
  gateway.addRoute('shop.example.com', '/api/', api, 'v2');

  new ExternalService(chart, 'PaymentProvider', {
    mesh, hosts: ['api.payments.example.net'], ports: [{ port: 443, protocol: ServiceProtocol.TLS }],
  });
  new ExternalService(chart, 'LegacyDatabase', {
    mesh,
    namespace: 'shop',
    hosts: ['orders-db.legacy.example.internal'],
    resolution: ExternalResolution.STATIC,
    endpoints: ['10.20.0.15'],
    ports: [{ port: 5432, protocol: ServiceProtocol.TCP }],
  });
  return chart;
}

if (require.main === module) {
  const app = new App({ outdir: process.argv[2] ?? 'dist/ingress-egress' });
  buildIngressEgress(app);
  app.synth();
}
