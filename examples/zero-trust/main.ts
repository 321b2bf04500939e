/**
 * Zero trust for a small shop: STRICT mTLS mesh-wide (the legacy batch port stays PERMISSIVE
 * while it migrates), deny-by-default authorization with explicit caller allow-lists, and end-user
 * JWTs required on the orders API. Run `npx projen synth` to write it to `dist/zero-trust/`.
 */
import { App, Chart } from 'cdk8s';
import {
  IMeshService, JwtAuthentication, Mesh, MeshService, MtlsMode, MtlsPolicy, ServiceAuthorization, ServiceProtocol,
} from '../../src';

export function buildZeroTrust(app: App): Chart {
  const chart = new Chart(app, 'zero-trust');
  const mesh = new Mesh(chart, 'mesh', { trustDomain: 'shop.example.com', defaultMtlsMode: MtlsMode.STRICT });
  const service = (name: string, dependencies: IMeshService[] = [], extraPorts: number[] = []) => new MeshService(chart, name, {
    mesh,
    name,
    namespace: 'shop',
    ports: [{ name: 'http', port: 8080, protocol: ServiceProtocol.HTTP }, ...extraPorts.map(port => ({ port, protocol: ServiceProtocol.HTTP }))],
    dependencies,
    versions: [{ name: 'v1', image: `registry.example.com/shop/${name}:1.0.0` }],
  });
  const payments = service('payments', [], [9090]);
  const orders = service('orders', [payments]);
  const frontend = service('frontend', [orders]);

  new MtlsPolicy(chart, 'MeshStrict', { mesh, mode: MtlsMode.STRICT });
  new MtlsPolicy(chart, 'PaymentsBatchPort', {
    mesh, mode: MtlsMode.STRICT, service: payments, portOverrides: [{ port: 9090, mode: MtlsMode.PERMISSIVE }],
  });

  const ordersAuthz = new ServiceAuthorization(chart, 'OrdersAuthz', { service: orders, defaultDeny: true });
  ordersAuthz.allow({ fromServices: [frontend], methods: ['GET', 'POST'], paths: ['/api/orders', '/api/orders/*'], requireJwt: true });
  ordersAuthz.allow({ fromNamespaces: ['monitoring'], methods: ['GET'], paths: ['/healthz'] });
  ordersAuthz.deny({ paths: ['/admin/*'] });

  const paymentsAuthz = new ServiceAuthorization(chart, 'PaymentsAuthz', { service: payments, defaultDeny: true });
  paymentsAuthz.allow({ fromServices: [orders], methods: ['POST'], paths: ['/charge'], ports: [8080] });

  new JwtAuthentication(chart, 'OrdersJwt', {
    service: orders,
    issuer: 'https://auth.shop.example.com',
    jwksUri: 'https://auth.shop.example.com/.well-known/jwks.json',
    audiences: ['orders'],
    forwardOriginalToken: true,
    requiredPaths: ['/api/*'],
  });
  return chart;
}

if (require.main === module) {
  const app = new App({ outdir: process.argv[2] ?? 'dist/zero-trust' });
  buildZeroTrust(app);
  app.synth();
}
