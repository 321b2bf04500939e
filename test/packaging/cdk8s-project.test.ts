import { SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ensurePackage, fencedBlock, parseCommandLine, README, readmeSection, ROOT, run, runOrFail, userEnvironment, VERSION } from './user-project';
import { drawnEdges, nodeAttributes } from '../diagram/diagram-html';

/**
 * The library as users get it: the packed tarball installed from scratch in an empty cdk8s
 * project, with the commands, files and example of the README's "Use it in your cdk8s project"
 * section, synthesized by the real cdk8s CLI. Only the npm registry is reached (by `npm install`).
 */

const SECTION_TITLE = '## Use it in your cdk8s project';
const TARBALL = path.join(ROOT, 'dist', 'js', `cdk8s-mesh-${VERSION}.tgz`);

interface Manifest { kind: string; metadata: { name: string; namespace?: string }; spec?: any }

describe('cdk8s project using the packed library', () => {
  let work: string;
  let project: string;
  let synth: SpawnSyncReturns<string>;
  let manifests: Manifest[];

  beforeAll(() => {
    const section = readmeSection(SECTION_TITLE);
    // A tarball packed from the current sources is reused; anything older is rebuilt (jsii + npm pack).
    ensurePackage(TARBALL, 'package:tarball');

    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-user-'));
    project = path.join(work, 'my-mesh');
    fs.mkdirSync(project);
    runOrFail('npm', ['init', '-y'], project, userEnvironment());
    // The README's install commands as written; its tarball path (a clone next to the project) is this repository's.
    for (const line of fencedBlock(section, 'sh').split('\n').filter((l) => l.trim() !== '')) {
      const { argv } = parseCommandLine(line);
      if (argv[0] !== 'npm' || argv[1] !== 'install') throw new Error(`README install block: '${line}' is not an npm install`);
      const args = argv.slice(1).map((arg) => arg.endsWith(`/dist/js/${path.basename(TARBALL)}`) ? TARBALL : arg);
      runOrFail('npm', [...args, '--no-audit', '--no-fund'], project, userEnvironment());
    }
    fs.writeFileSync(path.join(project, 'cdk8s.yaml'), fencedBlock(section, 'yaml', '`cdk8s.yaml`'));
    fs.writeFileSync(path.join(project, 'tsconfig.json'), fencedBlock(section, 'json', '`tsconfig.json`'));
    // main.ts is the README's first example, the one test/readme.test.ts checks against the sources.
    fs.writeFileSync(path.join(project, 'main.ts'), fencedBlock(README, 'ts'));

    // The README's synth command, with a HOME of its own so no user-level cdk8s or npm settings apply.
    const synthLine = fencedBlock(section, 'sh', 'Then synthesize').trim();
    const { env, argv } = parseCommandLine(synthLine);
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    synth = run(argv[0], argv.slice(1), project, userEnvironment({ ...env, HOME: home, NPM_CONFIG_UPDATE_NOTIFIER: 'false' }));
    const dist = path.join(project, 'dist');
    manifests = fs.existsSync(dist)
      ? fs.readdirSync(dist).filter((f) => f.endsWith('.yaml'))
        .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf8')).map((d) => d.toJSON() as Manifest))
      : [];
  }, 300_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('GIVEN the README install commands WHEN run in an empty directory THEN the library comes from the tarball with lib/ and .jsii', () => {
    const installed = path.join(project, 'node_modules', 'cdk8s-mesh');
    // `npm pack` before compiling gives a package without lib/: importing it would fail.
    expect(fs.existsSync(path.join(installed, 'lib', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'lib', 'index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(installed, '.jsii'))).toBe(true);
    const dependencies = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')).dependencies;
    expect(dependencies['cdk8s-mesh']).toMatch(/^file:.*\.tgz$/);
    // The pinned TypeScript is the one ts-node runs: a 7.x here would crash ts-node.
    expect(JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'typescript', 'package.json'), 'utf8')).version).toMatch(/^5\./);
  });

  test('GIVEN the README project WHEN `cdk8s synth` runs with the version check off THEN it exits 0 with no error or stack trace on stderr', () => {
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    // The version check, when it runs offline, prints an Error with its stack but still exits 0.
    expect(synth.stderr).not.toMatch(/\n\s+at \S/);
    expect(synth.stderr).not.toMatch(/Error/);
    expect(synth.stderr).not.toMatch(/new version/);
    expect(synth.stdout).toMatch(/dist\/shop\.k8s\.yaml/);
  });

  test('GIVEN the README project WHEN `cdk8s synth` runs THEN dist/mesh.html draws the declared mesh with the 90/10 split', () => {
    const html = fs.readFileSync(path.join(project, 'dist', 'mesh.html'), 'utf8');
    const reviewsRoutes = drawnEdges(html).filter((edge) => edge.kind === 'route' && edge.from === 'service:shop/reviews');
    expect(reviewsRoutes.map((edge) => [edge.to, edge.weight])).toEqual([['version:shop/reviews/v1', 90], ['version:shop/reviews/v2', 10]]);
    expect(nodeAttributes(html, 'service:shop/reviews')['data-mtls']).toBe('STRICT');
  });

  test('GIVEN the synthesized YAML THEN it holds the control plane Deployment in mesh-system', () => {
    const controlPlane = manifests.find((m) => m.kind === 'Deployment' && m.metadata.namespace === 'mesh-system');
    expect(controlPlane?.metadata.name).toBe('mesh-reconciler');
  });

  test('GIVEN the synthesized YAML THEN each version of reviews is a Deployment with its image and the Envoy sidecar injected', () => {
    const deployments = manifests.filter((m) => m.kind === 'Deployment' && m.metadata.namespace === 'shop');
    const summary = deployments.map((d) => ({
      name: d.metadata.name,
      app: d.spec.template.spec.containers.map((c: any) => c.image),
      // The sidecar is a native sidecar: an init container that keeps running.
      sidecar: d.spec.template.spec.initContainers
        .filter((c: any) => c.name === 'istio-proxy' && c.restartPolicy === 'Always')
        .map((c: any) => c.image.split(':')[0]),
    }));
    expect(summary).toEqual([
      { name: 'reviews-v1', app: ['example/reviews:1.0'], sidecar: ['envoyproxy/envoy'] },
      { name: 'reviews-v2', app: ['example/reviews:2.0'], sidecar: ['envoyproxy/envoy'] },
    ]);
  });

  test('GIVEN the synthesized YAML THEN the reviews VirtualService splits 90/10 between v1 and v2', () => {
    const virtualService = manifests.find((m) => m.kind === 'VirtualService' && m.metadata.name === 'reviews');
    const weights = virtualService?.spec.http.at(-1).route.map((r: any) => [r.destination.subset, r.weight]);
    expect(weights).toEqual([['v1', 90], ['v2', 10]]);
  });
});
