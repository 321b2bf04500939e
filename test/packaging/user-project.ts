/**
 * What the packaging tests share: the README's sections and fenced blocks they run as written,
 * a user's shell environment (nothing of this repository's npm run), and process helpers.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isProcessAlive } from '../../reconciler/test/support/terminate';

export const ROOT = path.join(__dirname, '..', '..');
export const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
export const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

/** A README section, from its `## ` heading up to the next one. */
export function readmeSection(title: string): string {
  const start = README.indexOf(`${title}\n`);
  if (start < 0) throw new Error(`README.md has no '${title}' section`);
  const end = README.indexOf('\n## ', start + title.length);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The body of the first fenced block of `language` in `text` after `marker`. */
export function fencedBlock(text: string, language: string, marker = ''): string {
  const from = text.indexOf(marker);
  if (from < 0) throw new Error(`README section has no '${marker}'`);
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(text.slice(from));
  if (!block) throw new Error(`README section has no \`\`\`${language} block after '${marker}'`);
  return block[1];
}

/** Files a package is built from: a package older than any of them is stale and is rebuilt. */
function packagedSources(): string[] {
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]);
  return [...walk(path.join(ROOT, 'src')), ...walk(path.join(ROOT, 'imports')),
    ...['package.json', 'README.md', 'API.md', 'LICENSE'].map((file) => path.join(ROOT, file))];
}

/** Whether `artifact` exists and is newer than every file it is built from. */
export function isFresh(artifact: string): boolean {
  if (!fs.existsSync(artifact)) return false;
  const built = fs.statSync(artifact).mtimeMs;
  return packagedSources().every((file) => fs.statSync(file).mtimeMs <= built);
}

const BUILD_LOCK = path.join(ROOT, 'dist', '.package-build.lock');
const BUILD_LOCK_DEADLINE_MS = 20 * 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}


/**
 * Runs the projen `task` that builds `artifact` unless a fresh one exists. The package tasks all
 * empty and recompile lib/, so test files running in parallel take turns through a lock directory
 * (holding the builder's pid: a lock whose process is gone is taken over).
 */
export function ensurePackage(artifact: string, task: string): void {
  fs.mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + BUILD_LOCK_DEADLINE_MS;
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      fs.writeFileSync(path.join(BUILD_LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(path.join(BUILD_LOCK, 'pid'), { encoding: 'utf8', flag: 'a+' }));
      if (holder > 0 && !isProcessAlive(holder)) fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${BUILD_LOCK} is still held by pid ${holder}; remove it if no package build runs`);
      sleepSync(1000);
    }
  }
  try {
    if (!isFresh(artifact)) runOrFail('npx', ['projen', task], ROOT, process.env);
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/**
 * The environment of a user's shell: without the variables `npm test` sets for this repository
 * (npm_config_local_prefix would send `npm install` here) and without this repository's
 * node_modules/.bin on PATH, so only the new project's own tools run.
 */
export function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD' && !key.startsWith('JEST_')) env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.includes('node_modules')).join(path.delimiter);
  return { ...env, ...extra };
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
}

export function runOrFail(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const result = run(command, args, cwd, env);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** `NAME=value ... command args` split into its environment and its argv. */
export function parseCommandLine(line: string): { env: Record<string, string>; argv: string[] } {
  const tokens = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (tokens.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(tokens[0])) {
    const [name, ...value] = tokens.shift()!.split('=');
    env[name] = value.join('=');
  }
  return { env, argv: tokens };
}
