/**
 * A/B test of two product page layouts: beta users (cookie) and calls from the mobile backend
 * always see B, everyone else is split 50/50 with a sticky session cookie, and 10 % of requests
 * are mirrored to the next layout, C. Run `npx projen synth` to write it to `dist/ab-test/`.
 */
import { App, Chart, Duration } from 'cdk8s';
import { ABTest, HttpMatch, Mesh, MeshService, ServiceProtocol, StickySession } from '../../src';

export function buildAbTest(app: App): Chart {
  const chart = new Chart(app, 'ab-test');
  const mesh = new Mesh(chart, 'mesh');
  const ports = [{ name: 'http', port: 8080, protocol: ServiceProtocol.HTTP }];
  const productpage = new MeshService(chart, 'productpage', {
    mesh,
    name: 'productpage',
    namespace: 'shop',
    ports,
    versions: ['layout-a', 'layout-b', 'layout-c'].map(name => ({ name, image: `registry.example.com/shop/productpage:${name}` })),
  });
  const mobileBackend = new MeshService(chart, 'mobile-backend', {
    mesh,
    name: 'mobile-backend',
    namespace: 'mobile',
    ports,
    dependencies: [productpage],
    versions: [{ name: 'v1', image: 'registry.example.com/mobile/backend:1.4.0' }],
  });

  new ABTest(chart, 'LayoutTest', {
    service: productpage,
    variants: [{ version: 'layout-a' }, { version: 'layout-b' }],
    rules: [
      { name: 'beta-users', match: [HttpMatch.cookie('beta', 'true')], version: 'layout-b' },
      { name: 'mobile', match: [HttpMatch.sourceService(mobileBackend)], version: 'layout-b' },
      { name: 'preview', match: [HttpMatch.queryParam('layout').exact('c')], version: 'layout-c' },
    ],
    stickySession: StickySession.cookie('layout-session', Duration.hours(24)),
    mirrorVersion: 'layout-c',
    mirrorPercentage: 10,
  });
  return chart;
}

if (require.main === module) {
  const app = new App({ outdir: process.argv[2] ?? 'dist/ab-test' });
  buildAbTest(app);
  app.synth();
}
