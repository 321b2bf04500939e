import { objectMovedDuringDiff } from './cluster';

describe('objectMovedDuringDiff', () => {
  test('GIVEN a diff in which a controller wrote the Deployment between kubectl\'s two reads THEN it is a moved object, taken again', () => {
    const diff = [
      '--- /tmp/LIVE-1/apps.v1.Deployment.bookinfo.reviews-v3',
      '+++ /tmp/MERGED-2/apps.v1.Deployment.bookinfo.reviews-v3',
      '@@ -11,7 +11,7 @@',
      '-  resourceVersion: "509"',
      '+  resourceVersion: "526"',
      '-  replicas: 0',
      '+  replicas: 1',
    ].join('\n');
    expect(objectMovedDuringDiff(diff)).toBe(true);
  });

  test('GIVEN a diff of drift in an owned field (the dry run changes generation, not resourceVersion) THEN it is not a moved object', () => {
    const diff = [
      '--- /tmp/LIVE-1/networking.istio.io.v1.VirtualService.shop.reviews',
      '+++ /tmp/MERGED-2/networking.istio.io.v1.VirtualService.shop.reviews',
      '-  generation: 1',
      '+  generation: 2',
      '   resourceVersion: "700"',
      '-      weight: 90',
      '+      weight: 80',
    ].join('\n');
    expect(objectMovedDuringDiff(diff)).toBe(false);
    expect(objectMovedDuringDiff('')).toBe(false);
  });
});
