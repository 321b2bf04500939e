/**
 * The reconciler image, built for real from reconciler/Dockerfile with buildah and run from its
 * own root filesystem (read-only, as a non-root user) against a synthesized mesh, with a real
 * Envoy on the host asking it for config.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { ImageContainer, RUN_ROOTFS } from './support/image-store';
import { buildReconcilerImage, IMAGE_TAG } from './support/reconciler-image';
import { EnvoySidecar } from '../../reconciler/test/support/envoy';
import { httpRequest } from '../../reconciler/test/support/http-request';
import { freePort, uniqueLoopbackAddress } from '../../reconciler/test/support/ports';
import { terminate } from '../../reconciler/test/support/terminate';
import { STARTUP_DEADLINE_MS, waitUntil } from '../../reconciler/test/support/wait';
import { Mesh } from '../../src';
import { RECONCILER_UID } from '../../src/model/control-plane';
import { httpService } from '../e2e/support/http-service';

// A cold build (npm ci and tsc in vfs layers) takes minutes; a warm one reuses every layer.
jest.setTimeout(20 * 60_000);

/** Where the image reads its config and keeps its state (the Dockerfile's CMD). */
const CONFIG_MOUNT = '/etc/mesh/config';
const DATA_MOUNT = '/var/lib/cdk8s-mesh';
const MB = 1024 * 1024;

let container: ImageContainer;
beforeAll(() => {
  const started = Date.now();
  const { baseImage } = buildReconcilerImage();
  container = ImageContainer.create(IMAGE_TAG);
  process.stdout.write(`reconciler image ${IMAGE_TAG} from ${baseImage}: built in ${Math.round((Date.now() - started) / 1000)} s, `
    + `${Math.round(container.bytesBelow('') / MB)} MB (node ${Math.round(container.bytesBelow('usr/local/bin/node') / MB)} MB, `
    + `npm ${Math.round(container.bytesBelow('usr/local/lib/node_modules') / MB)} MB, `
    + `reconciler ${Math.round(container.bytesBelow('app') / MB)} MB of which node_modules ${Math.round(container.bytesBelow('app/reconciler/node_modules') / MB)} MB)\n`);
});
afterAll(() => container?.remove());

describe('the reconciler image', () => {
  test('GIVEN the built image WHEN its config is read THEN it runs the CLI as the non-root reconciler uid with the data directory as a volume', () => {
    expect(container.config.User).toBe(`${RECONCILER_UID}:${RECONCILER_UID}`);
    expect(container.config.Entrypoint).toEqual(['node', '/app/reconciler/build/reconciler/src/cli.js']);
    expect(container.config.Cmd).toEqual(expect.arrayContaining(['--source=directory', '--dir', CONFIG_MOUNT, '--data-dir', DATA_MOUNT]));
    expect(Object.keys(container.config.Volumes ?? {})).toEqual([DATA_MOUNT]);
    expect(fs.statSync(path.join(container.rootfs, DATA_MOUNT)).uid).toBe(RECONCILER_UID);
  });

  test('GIVEN the built image WHEN its files are listed THEN it has no iptables and no build-time packages', () => {
    const files = container.files();
    expect(files.filter((file) => /(^|\/)(ip6?tables|xtables)[^/]*$/.test(file))).toEqual([]);
    const packages = fs.readdirSync(path.join(container.rootfs, 'app/reconciler/node_modules'));
    expect(packages).toEqual(expect.arrayContaining(['@grpc', 'ajv', 'yaml']));
    for (const devOnly of ['typescript', 'jest', 'ts-jest', 'fast-check']) expect(packages).not.toContain(devOnly);
    expect(files).toContain('app/imports/istio/crd-all.gen.yaml');
    expect(files.filter((file) => file.startsWith('app/reconciler/src') || file.startsWith('app/src'))).toEqual([]);
  });

  test('GIVEN the image\'s Node WHEN asked its version THEN it is Node 24', () => {
    const version = execFileSync(RUN_ROOTFS, [container.rootfs, `${RECONCILER_UID}:${RECONCILER_UID}`, '/', ...imageEnvironment(), '--', 'node', '--version'], { encoding: 'utf8' });
    expect(version.trim()).toMatch(/^v24\./);
  });

  describe('GIVEN a synthesized mesh in the config volume WHEN the entrypoint runs on a read-only root filesystem', () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconciler-image-'));
    const configDir = path.join(workDir, 'config');
    const dataDir = path.join(workDir, 'data');
    let reconciler: ChildProcess;
    let output = '';
    let opsPort: number;
    let xdsPort: number;
    let envoy: EnvoySidecar | undefined;

    beforeAll(async () => {
      fs.mkdirSync(configDir);
      fs.writeFileSync(path.join(configDir, 'mesh.yaml'), synthesizeReviewsMesh());
      fs.mkdirSync(dataDir);
      fs.chownSync(dataDir, RECONCILER_UID, RECONCILER_UID);
      [opsPort, xdsPort] = [await freePort(), await freePort()];
      // The image's own entrypoint and arguments; only ports are moved off the defaults other runs may hold.
      const command = [...container.config.Entrypoint!, ...container.config.Cmd!, '--host', '127.0.0.1',
        '--ops-port', String(opsPort), '--xds-port', String(xdsPort), '--xds-tls-port', String(await freePort())];
      reconciler = spawn(RUN_ROOTFS, [container.rootfs, container.config.User!, container.config.WorkingDir!, ...imageEnvironment(),
        '--bind', `${configDir}:${CONFIG_MOUNT}:ro`, '--bind', `${dataDir}:${DATA_MOUNT}`, '--', ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
      reconciler.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      reconciler.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      await waitUntil('the image\'s reconciler to answer /readyz with 200', async () => {
        if (reconciler.exitCode !== null) throw new Error(`the image's reconciler exited with ${reconciler.exitCode}:\n${output}`);
        return (await httpRequest({ host: '127.0.0.1', port: opsPort, path: '/readyz', timeoutMs: 1000 }).catch(() => undefined))?.status === 200;
      }, STARTUP_DEADLINE_MS, 100);
    });
    afterAll(async () => {
      await envoy?.stop();
      if (reconciler) await terminate(reconciler);
      fs.rmSync(workDir, { recursive: true, force: true });
    });

    test('THEN it runs as the reconciler uid without capabilities, on a read-only root, and keeps its CA in the data volume', () => {
      const status = fs.readFileSync(`/proc/${reconciler.pid}/status`, 'utf8');
      expect(status).toMatch(new RegExp(`^Uid:\\s+${RECONCILER_UID}\\s+${RECONCILER_UID}\\s+${RECONCILER_UID}\\s+${RECONCILER_UID}$`, 'm'));
      expect(status).toMatch(/^CapEff:\s+0+$/m);
      const rootMount = fs.readFileSync(`/proc/${reconciler.pid}/mountinfo`, 'utf8').split('\n').find((line) => line.split(' ')[4] === '/');
      expect(rootMount?.split(' ')[5].split(',')).toContain('ro');
      expect(fs.readFileSync(path.join(dataDir, 'root-cert.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
      expect(fs.statSync(path.join(dataDir, 'ca')).uid).toBe(RECONCILER_UID);
    });

    test('THEN a real Envoy sidecar on the host receives the mesh: the listener and both versions\' clusters of reviews', async () => {
      const address = uniqueLoopbackAddress();
      envoy = await EnvoySidecar.start({
        xdsPort, instanceIp: address, name: 'productpage-v1-0', namespace: 'default', labels: { app: 'productpage', version: 'v1' },
      });
      await envoy.waitForConfig({
        listeners: [`${address}_9080`],
        clusters: ['v1', 'v2'].map((version) => `outbound|9080|${version}|reviews.default.svc.cluster.local`),
      });
      const routes = JSON.parse(await envoy.admin('/config_dump?resource=dynamic_route_configs')) as { configs: unknown[] };
      expect(JSON.stringify(routes.configs)).toContain('reviews.default.svc.cluster.local');
    });

    test('THEN SIGTERM stops it with exit code 0', async () => {
      const exited = new Promise<number | null>((resolve) => reconciler.once('exit', (code) => resolve(code)));
      reconciler.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });
});

/** `--env` arguments of run-rootfs.sh for the image's environment. */
function imageEnvironment(): string[] {
  return (container.config.Env ?? []).flatMap((entry) => ['--env', entry]);
}

/** Two services of the mesh, reviews with versions v1 and v2, synthesized by the constructs. */
function synthesizeReviewsMesh(): string {
  const app = Testing.app();
  const chart = new Chart(app, 'image');
  const mesh = new Mesh(chart, 'Mesh');
  httpService(chart, mesh, 'productpage');
  httpService(chart, mesh, 'reviews', { versions: ['v1', 'v2'] });
  return app.synthYaml();
}
