/** Runs real Envoy for the security tests: config validation and short-lived proxies on loopback. */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../..');

/** ENVOY_BIN, then `envoy` on PATH, then the repository's cached install. */
export function findEnvoyBinary(): string {
  if (process.env.ENVOY_BIN) return process.env.ENVOY_BIN;
  try {
    return execFileSync('sh', ['-c', 'command -v envoy'], { encoding: 'utf8' }).trim() || cachedEnvoy();
  } catch {
    return cachedEnvoy();
  }
}

function cachedEnvoy(): string {
  const cached = path.join(REPO_ROOT, '.cache/envoy/envoy/_bin/envoy');
  if (!existsSync(cached)) throw new Error(`Envoy not found: set ENVOY_BIN, put envoy on PATH, or run scripts/ensure-envoy.sh to install ${cached}`);
  return cached;
}

function writeConfig(config: unknown): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-envoy-'));
  const file = path.join(dir, 'envoy.json');
  writeFileSync(file, JSON.stringify(config));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `envoy --mode validate`; resolves with Envoy's output, rejects with it when the config is invalid. */
export function validateWithEnvoy(config: unknown): string {
  const { file, cleanup } = writeConfig(config);
  try {
    return execFileSync(findEnvoyBinary(), ['--mode', 'validate', '-c', file, '--disable-hot-restart', '-l', 'error'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    throw new Error(`Envoy rejected the config:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  } finally {
    cleanup();
  }
}

export interface RunningEnvoy {
  stop(): Promise<void>;
  output(): string;
}

/** Starts Envoy and waits until its admin `/ready` answers 200 (all static listeners bound). */
export async function startEnvoy(config: unknown, admin: { address: string; port: number }): Promise<RunningEnvoy> {
  const { file, cleanup } = writeConfig(config);
  let output = '';
  const child: ChildProcess = spawn(findEnvoyBinary(), ['-c', file, '--disable-hot-restart', '--concurrency', '1', '-l', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => { output += chunk; });
  child.stderr?.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningEnvoy = {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanup();
    },
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await running.stop();
      throw new Error(`Envoy exited during start:\n${output}`);
    }
    if (await isReady(admin)) return running;
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`Envoy was not ready within 15 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isReady(admin: { address: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: admin.address, port: admin.port, path: '/ready', timeout: 500 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => { request.destroy(); resolve(false); });
  });
}
