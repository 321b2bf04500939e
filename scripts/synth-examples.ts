/**
 * Synthesizes every example (`examples/<name>/main.ts`) to `dist/<name>/`, as `cdk8s synth`
 * would. Each example exports a `build*(app)` function; new examples need no change here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';

const ROOT = path.join(__dirname, '..');
const EXAMPLES_DIR = path.join(ROOT, 'examples');
const OUTPUT_DIR = path.join(ROOT, 'dist');

type ExampleBuilder = (app: App) => unknown;

/** The example directories that have a `main.ts`, sorted by name. */
export function discoverExamples(examplesDir: string = EXAMPLES_DIR): string[] {
  return fs.readdirSync(examplesDir, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && fs.existsSync(path.join(examplesDir, entry.name, 'main.ts')))
    .map(entry => entry.name)
    .sort();
}

/** The exported `build*` function of an example module. */
export function findBuilder(example: string, module: Record<string, unknown>): ExampleBuilder {
  const builders = Object.entries(module).filter(([name, value]) => /^build[A-Z]/.test(name) && typeof value === 'function');
  if (builders.length !== 1) {
    throw new Error(`examples/${example}/main.ts exports ${builders.length} build functions (${builders.map(([name]) => name).join(', ') || 'none'}); `
      + 'it must export exactly one `build<Name>(app: App)`. Export one.');
  }
  return builders[0][1] as ExampleBuilder;
}

/** Synthesizes one example into `<outputDir>/<example>/`, replacing what was there. */
export function synthExample(example: string, outputDir: string = OUTPUT_DIR): string {
  const outdir = path.join(outputDir, example);
  fs.rmSync(outdir, { recursive: true, force: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path.join(EXAMPLES_DIR, example, 'main.ts'));
  const app = new App({ outdir });
  findBuilder(example, module)(app);
  app.synth();
  return outdir;
}

if (require.main === module) {
  for (const example of discoverExamples()) {
    const outdir = synthExample(example);
    console.log(`${example} → ${path.relative(ROOT, outdir)}`);
  }
}
