import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageNotFoundError, ImageTable, reconcilerImageFromDockerfile } from './image-table';
import { RECONCILER_UID } from '../../../src/model/control-plane';
import { REPO_ROOT } from '../cluster/test-binaries';

// Real, world-readable files stand in for Envoy and the compiled test server.
const ENVOY = process.execPath;
const WORKLOAD_SERVER = path.join(REPO_ROOT, 'test/kubernetes/workload/workload-server.ts');
const table = new ImageTable({ envoyBinary: ENVOY, repoRoot: REPO_ROOT, workloadServerScript: WORKLOAD_SERVER });

describe('the image table', () => {
  test('GIVEN the reconciler Dockerfile WHEN read THEN the image runs the built CLI of this repository as the reconciler uid with its default arguments', () => {
    const image = reconcilerImageFromDockerfile(REPO_ROOT);
    expect(image.entrypoint).toEqual([process.execPath, path.join(REPO_ROOT, 'reconciler/build/reconciler/src/cli.js')]);
    expect(image.defaultArgs[0]).toBe('--source=directory');
    expect([image.user, image.group]).toEqual([RECONCILER_UID, RECONCILER_UID]);
    expect(image.env.NODE_ENV).toBe('production');
  });

  test.each([
    ['ghcr.io/cdk8s-mesh/reconciler:0.1.0', undefined, ['--source=kubernetes'], [process.execPath, path.join(REPO_ROOT, 'reconciler/build/reconciler/src/cli.js'), '--source=kubernetes']],
    ['ghcr.io/cdk8s-mesh/proxy-init:0.1.0', ['/bin/sh', '-c', 'iptables -L'], undefined, ['/bin/sh', '-c', 'iptables -L']],
    ['envoyproxy/envoy:v1.40.0', ['envoy'], ['-c', '/etc/istio/proxy/envoy.json'], [ENVOY, '-c', '/etc/istio/proxy/envoy.json']],
    ['docker.io/istio/examples-bookinfo-reviews-v1:1.20.2', undefined, undefined, [process.execPath, WORKLOAD_SERVER]],
  ])('GIVEN image %s with command %j and args %j WHEN resolved THEN it runs %j', (image, command, args, expected) => {
    expect(table.commandLine(table.program(image), command, args)).toEqual(expected);
  });

  test('GIVEN a program below a directory other users may not enter WHEN the table is made THEN it fails naming the directory', () => {
    const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-table-'));
    const script = path.join(privateDir, 'server.js');
    fs.writeFileSync(script, '', { mode: 0o644 });
    try {
      expect(() => new ImageTable({ envoyBinary: ENVOY, repoRoot: REPO_ROOT, workloadServerScript: script }))
        .toThrow(`${privateDir} (mode 700) blocks it`);
    } finally {
      fs.rmSync(privateDir, { recursive: true, force: true });
    }
  });

  test('GIVEN an image the table does not know WHEN a pod uses it THEN it fails like a pull, naming where to add it', () => {
    expect(() => table.program('quay.io/unknown/thing:1')).toThrow(ImageNotFoundError);
    expect(() => table.program('quay.io/unknown/thing:1')).toThrow('test/kubernetes/node-agent/image-table.ts');
  });
});
