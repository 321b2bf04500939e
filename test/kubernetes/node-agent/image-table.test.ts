import * as path from 'path';
import { ImageNotFoundError, ImageTable, reconcilerImageFromDockerfile } from './image-table';
import { REPO_ROOT } from '../cluster/test-binaries';

const table = new ImageTable({ envoyBinary: '/opt/envoy/bin/envoy', repoRoot: REPO_ROOT, workloadServerScript: '/tmp/workload-server.js' });

describe('the image table', () => {
  test('GIVEN the reconciler Dockerfile WHEN read THEN the image runs the built CLI of this repository as uid 1000 with its default arguments', () => {
    const image = reconcilerImageFromDockerfile(REPO_ROOT);
    expect(image.entrypoint).toEqual([process.execPath, path.join(REPO_ROOT, 'reconciler/build/reconciler/src/cli.js')]);
    expect(image.defaultArgs[0]).toBe('--source=directory');
    expect([image.user, image.group]).toEqual([1000, 1000]);
    expect(image.env.NODE_ENV).toBe('production');
  });

  test.each([
    ['ghcr.io/cdk8s-mesh/reconciler:0.1.0', undefined, ['--source=kubernetes'], [process.execPath, path.join(REPO_ROOT, 'reconciler/build/reconciler/src/cli.js'), '--source=kubernetes']],
    ['ghcr.io/cdk8s-mesh/reconciler:0.1.0', ['/bin/sh', '-c', 'iptables -L'], undefined, ['/bin/sh', '-c', 'iptables -L']],
    ['envoyproxy/envoy:v1.40.0', ['envoy'], ['-c', '/etc/istio/proxy/envoy.json'], ['/opt/envoy/bin/envoy', '-c', '/etc/istio/proxy/envoy.json']],
    ['docker.io/istio/examples-bookinfo-reviews-v1:1.20.2', undefined, undefined, [process.execPath, '/tmp/workload-server.js']],
  ])('GIVEN image %s with command %j and args %j WHEN resolved THEN it runs %j', (image, command, args, expected) => {
    expect(table.commandLine(table.program(image), command, args)).toEqual(expected);
  });

  test('GIVEN an image the table does not know WHEN a pod uses it THEN it fails like a pull, naming where to add it', () => {
    expect(() => table.program('quay.io/unknown/thing:1')).toThrow(ImageNotFoundError);
    expect(() => table.program('quay.io/unknown/thing:1')).toThrow('test/kubernetes/node-agent/image-table.ts');
  });
});
