/**
 * The examples' synthesized output (`examples/<name>/main.ts` through the constructs), as the fuzz
 * suite's seeds: real objects of every kind the library emits. Synthesized with the repository's
 * ts-node once per change of `src/` or `examples/`, and cached by a hash of their files.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO_ROOT = path.resolve(__dirname, '../../..');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  }).sort();
}

/** `{ example: yaml }` for every example. */
export function synthesizedExamples(): Record<string, string> {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(path.join(REPO_ROOT, 'src')), ...filesUnder(path.join(REPO_ROOT, 'examples'))]) {
    hash.update(path.relative(REPO_ROOT, file)).update(fs.readFileSync(file));
  }
  const cache = path.join(process.env.CDK8S_MESH_CACHE ?? path.join(os.homedir(), '.cache/cdk8s-mesh'), 'example-synth', hash.digest('hex').slice(0, 16));
  if (!fs.existsSync(path.join(cache, '.complete'))) {
    const temp = `${cache}.${process.pid}.tmp`;
    execFileSync(process.execPath, ['-r', 'ts-node/register', '-e',
      `const s = require('./scripts/synth-examples.ts'); for (const e of s.discoverExamples()) s.synthExample(e, ${JSON.stringify(temp)});`,
    ], { cwd: REPO_ROOT, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: 'projenrc/tsconfig.json' }, stdio: ['ignore', 'ignore', 'inherit'] });
    fs.writeFileSync(path.join(temp, '.complete'), '');
    fs.rmSync(cache, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(cache), { recursive: true });
    fs.renameSync(temp, cache);
  }
  return Object.fromEntries(fs.readdirSync(cache).filter((name) => !name.startsWith('.')).sort().map((example) => {
    const dir = path.join(cache, example);
    return [example, fs.readdirSync(dir).sort().map((file) => fs.readFileSync(path.join(dir, file), 'utf8')).join('---\n')];
  }));
}
