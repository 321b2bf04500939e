import { SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { ensurePackage, fencedBlock, parseCommandLine, README, readmeSection, ROOT, run, runOrFail, userEnvironment, VERSION } from './user-project';
import * as meshLibrary from '../../src';

/**
 * The library from Python as users get it: the wheel jsii-pacmak builds, installed with `cdk8s`
 * for Python from PyPI into a new virtual environment by the README's "Use it from Python"
 * commands, running the README's Python example. Its YAML must be the TypeScript example's.
 */

const SECTION_TITLE = '## Use it from Python';
const WHEEL_NAME = `cdk8s_mesh-${VERSION}-py3-none-any.whl`;
const WHEEL = path.join(ROOT, 'dist', 'python', WHEEL_NAME);
const OUTPUT_FILE = 'shop.k8s.yaml';

/** The README's TypeScript example synthesized from this source tree into `outdir`. */
function synthesizeTypeScriptExample(outdir: string): string {
  const example = fencedBlock(README, 'ts');
  if (!example.includes('new App()')) throw new Error('the README TypeScript example no longer creates its App with `new App()`');
  const source = example.replace('new App()', `new App({ outdir: ${JSON.stringify(outdir)} })`);
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } });
  const modules: Record<string, unknown> = { 'cdk8s-mesh': meshLibrary, 'cdk8s': cdk8s };
  const load = (name: string) => {
    if (!(name in modules)) throw new Error(`the README example imports '${name}'; only cdk8s and cdk8s-mesh are expected`);
    return modules[name];
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', outputText)(load, module, module.exports);
  return fs.readFileSync(path.join(outdir, OUTPUT_FILE), 'utf8');
}

describe('Python project using the wheel', () => {
  let work: string;
  let project: string;
  let synth: SpawnSyncReturns<string>;
  let pythonYaml: string;
  let typeScriptYaml: string;

  beforeAll(() => {
    const section = readmeSection(SECTION_TITLE);
    // A wheel built from the current sources is reused; anything older is rebuilt (jsii + jsii-pacmak).
    ensurePackage(WHEEL, 'package:wheel');

    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-python-'));
    project = path.join(work, 'my-mesh');
    fs.mkdirSync(project);
    const env = userEnvironment({ HOME: path.join(work, 'home'), PIP_DISABLE_PIP_VERSION_CHECK: '1' });
    fs.mkdirSync(env.HOME!);
    // The README's commands as written; its wheel path (a clone next to the project) is this repository's.
    for (const line of fencedBlock(section, 'sh').split('\n').filter((l) => l.trim() !== '')) {
      const { argv } = parseCommandLine(line);
      const args = argv.slice(1).map((arg) => arg.endsWith(`/dist/python/${WHEEL_NAME}`) ? WHEEL : arg);
      runOrFail(argv[0], args, project, env);
    }
    fs.writeFileSync(path.join(project, 'main.py'), fencedBlock(section, 'python'));
    const { argv } = parseCommandLine(fencedBlock(section, 'sh', 'Then synthesize').trim());
    synth = run(argv[0], argv.slice(1), project, env);
    const output = path.join(project, 'dist', OUTPUT_FILE);
    pythonYaml = fs.existsSync(output) ? fs.readFileSync(output, 'utf8') : '';
    typeScriptYaml = synthesizeTypeScriptExample(path.join(work, 'typescript-dist'));
  }, 900_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('GIVEN the README install commands WHEN run THEN the virtual environment holds the wheel and cdk8s for Python', () => {
    const freeze = runOrFail(path.join(project, '.venv', 'bin', 'pip'), ['freeze'], project, userEnvironment()).stdout;
    expect(freeze).toMatch(new RegExp(`^cdk8s-mesh @ file://.*/${WHEEL_NAME.replace(/\./g, '\\.')}(#sha256=[0-9a-f]{64})?$`, 'm'));
    expect(freeze).toMatch(/^cdk8s==2\.70\.0$/m);
    expect(freeze).toMatch(/^jsii==/m);
  });

  test('GIVEN the README Python example WHEN run THEN it exits 0 and writes the chart', () => {
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(synth.stderr).not.toMatch(/Traceback|Error/);
    expect(pythonYaml.length).toBeGreaterThan(0);
  });

  test('GIVEN the Python and the TypeScript example THEN their YAML is byte-identical', () => {
    // Compared as text: the same constructs run in both, so even key order and quoting must match.
    expect(pythonYaml).toBe(typeScriptYaml);
  });

  test('GIVEN the Python YAML THEN the reviews VirtualService splits 90/10 and the DestinationRule ejects after 5 errors', () => {
    const manifests = parseAllDocuments(pythonYaml).map((document) => document.toJS() as Record<string, any>);
    const virtualService = manifests.find((m) => m.kind === 'VirtualService' && m.metadata.name === 'reviews');
    expect(virtualService?.spec.http.at(-1).route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['v1', 90], ['v2', 10]]);
    const destinationRule = manifests.find((m) => m.kind === 'DestinationRule' && m.metadata.name === 'reviews');
    expect(destinationRule?.spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
    expect(manifests.filter((m) => m.kind === 'Deployment' && m.metadata.namespace === 'shop').map((m) => m.metadata.name))
      .toEqual(['reviews-v1', 'reviews-v2']);
  });
});
