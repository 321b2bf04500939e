/**
 * The proxy-init image, built for real from reconciler/proxy-init.Dockerfile with buildah (its
 * `apt-get install iptables` runs against the Debian archive), and the `istio-init` container the
 * constructs inject run from it in a network namespace of the test's own: the capture rules land in
 * the namespace's nat table and send each kind of connection where a sidecar expects it.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { ImageContainer, RUN_ROOTFS } from './support/image-store';
import { buildProxyInitImage, PROXY_INIT_IMAGE_TAG } from './support/proxy-init-image';
import { Mesh } from '../../src';
import { INIT_CONTAINER_NAME } from '../../src/mesh/sidecar-injection';
import { PROXY_UID, SIDECAR_PORTS } from '../../src/model/bootstrap';
import { buildCaptureRules, CAPTURE_CHAINS } from '../../src/model/capture-rules';
import { httpService } from '../e2e/support/http-service';

// A cold build (debootstrap, then apt-get in a vfs layer) takes a minute or two; a warm one is skipped.
jest.setTimeout(10 * 60_000);

/** The namespace's own addresses: the pod address, and a remote one on its subnet that nothing holds. */
const POD_ADDRESS = '198.19.0.1';
const REMOTE_ADDRESS = '198.19.0.2';
const APP_PORT = 8080;
const APP_UID = 1000;

interface InitContainer {
  readonly name: string;
  readonly image: string;
  readonly command: string[];
  readonly securityContext: { readonly capabilities: { readonly add: string[] } };
}

let container: ImageContainer;
beforeAll(() => {
  buildProxyInitImage();
  container = ImageContainer.create(PROXY_INIT_IMAGE_TAG);
});
afterAll(() => container?.remove());

describe('the proxy-init image', () => {
  test('GIVEN the built image WHEN its files are listed THEN it has a shell and iptables, and nothing of the mesh', () => {
    const files = container.files();
    expect(files).toEqual(expect.arrayContaining(['usr/bin/sh', 'usr/sbin/iptables', 'usr/sbin/iptables-nft']));
    expect(files.filter((file) => /(^|\/)(node|envoy)$/.test(file) || file.startsWith('app/'))).toEqual([]);
    expect(container.config.Entrypoint ?? []).toEqual([]);
  });

  describe('GIVEN the injected istio-init container WHEN its command runs from the image with only its capabilities in a fresh network namespace', () => {
    const namespace = `mesh-proxy-init-${process.pid}`;
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-init-run-'));
    const initContainer = synthesizeInitContainer();
    let listener: ChildProcess | undefined;

    beforeAll(async () => {
      ip('netns', 'add', namespace);
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
      // A pod's interface, as a veth pair whose peer stays in the namespace too (nothing leaves it).
      ip('-n', namespace, 'link', 'add', 'pod0', 'type', 'veth', 'peer', 'name', 'peer0');
      ip('-n', namespace, 'address', 'add', `${POD_ADDRESS}/24`, 'dev', 'pod0');
      ip('-n', namespace, 'link', 'set', 'peer0', 'up');
      ip('-n', namespace, 'link', 'set', 'pod0', 'up');
      // Kubernetes gives the container exactly its `capabilities.add` (after `drop: [ALL]`);
      // setpriv (util-linux, in the image) narrows root's bounding set to them before the command.
      const capabilities = initContainer.securityContext.capabilities.add.map((name) => `+${name.toLowerCase()}`).join(',');
      execFileSync('ip', ['netns', 'exec', namespace, RUN_ROOTFS, container.rootfs, '0:0', '/', '--bind', `${runDir}:/run`, '--',
        'setpriv', `--bounding-set=-all,${capabilities}`, '--', ...initContainer.command], { stdio: ['ignore', 'pipe', 'pipe'] });
      listener = await startListener(namespace, [SIDECAR_PORTS.outboundCapture, SIDECAR_PORTS.inboundCapture, APP_PORT]);
    });
    afterAll(() => {
      listener?.kill('SIGKILL');
      try { ip('netns', 'delete', namespace); } catch { /* never created */ }
      fs.rmSync(runDir, { recursive: true, force: true });
    });

    test('THEN it runs the image the Mesh names and the nat table holds every capture rule the constructs rendered', () => {
      expect(initContainer.image).toBe('ghcr.io/cdk8s-mesh/proxy-init:0.1.0');
      const saved = execFileSync('ip', ['netns', 'exec', namespace, 'iptables-save', '-t', 'nat'], { encoding: 'utf8' });
      const appended = (rules: string[][]) => rules.filter((rule) => rule[2] === '-A').map((rule) => rule[3]);
      const expected = appended(buildCaptureRules());
      const actual = saved.split('\n').filter((line) => line.startsWith('-A ')).map((line) => line.split(' ')[1]);
      for (const chain of [...Object.values(CAPTURE_CHAINS), 'PREROUTING', 'OUTPUT']) {
        expect({ chain, rules: actual.filter((name) => name === chain).length })
          .toEqual({ chain, rules: expected.filter((name) => name === chain).length });
      }
    });

    test('THEN an application\'s outbound call reaches the outbound capture port', () => {
      expect(connect(namespace, APP_UID, REMOTE_ADDRESS, APP_PORT)).toBe(SIDECAR_PORTS.outboundCapture);
    });

    test('THEN the proxy\'s own call to the pod address is inbound traffic, sent to the inbound capture port', () => {
      expect(connect(namespace, PROXY_UID, POD_ADDRESS, APP_PORT)).toBe(SIDECAR_PORTS.inboundCapture);
    });

    test('THEN an application calling its own pod address over loopback reaches the port it called', () => {
      expect(connect(namespace, APP_UID, POD_ADDRESS, APP_PORT)).toBe(APP_PORT);
    });
  });
});

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The istio-init container of a synthesized service's Deployment. */
function synthesizeInitContainer(): InitContainer {
  const app = Testing.app();
  const chart = new Chart(app, 'proxy-init');
  httpService(chart, new Mesh(chart, 'Mesh'), 'reviews');
  const deployment = Testing.synth(chart).find((object) => object.kind === 'Deployment' && object.metadata.name === 'reviews-v1');
  const initContainer = deployment?.spec.template.spec.initContainers?.find((candidate: InitContainer) => candidate.name === INIT_CONTAINER_NAME);
  if (!initContainer) throw new Error('the synthesized reviews-v1 Deployment has no istio-init container');
  return initContainer;
}

/**
 * A server in the namespace on every address and the given ports that answers each connection
 * with the local port it was accepted on — where the nat table delivered it.
 */
async function startListener(namespace: string, ports: number[]): Promise<ChildProcess> {
  const source = `const net = require('net');
    let listening = 0;
    for (const port of ${JSON.stringify(ports)}) {
      net.createServer((socket) => socket.end(String(socket.localPort))).listen(port, '0.0.0.0', () => {
        if (++listening === ${ports.length}) process.stdout.write('ready\\n');
      });
    }`;
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`the listener in ${namespace} exited with ${code}`)));
  });
  return child;
}

/** Connects from the namespace as `uid` and returns the port the listener says it accepted on. */
function connect(namespace: string, uid: number, address: string, port: number): number {
  const source = `const socket = require('net').connect(${port}, '${address}');
    let answer = '';
    socket.on('data', (chunk) => { answer += chunk; });
    socket.on('end', () => { process.stdout.write(answer); process.exit(0); });
    socket.on('error', (error) => { process.stderr.write(String(error)); process.exit(1); });
    socket.setTimeout(10000, () => { process.stderr.write('no answer'); process.exit(1); });`;
  const answer = execFileSync('ip', ['netns', 'exec', namespace, 'setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups',
    process.execPath, '-e', source], { encoding: 'utf8' });
  return Number(answer);
}
