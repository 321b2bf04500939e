/**
 * Starts the reconciler for end-to-end tests: in-process (fast, inspectable) with the real
 * directory source and generators, or as a child process running the built CLI (for restart, kill
 * and signal tests). Both bind loopback only and pick free ports.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DirectorySource } from '../../src/config/directory-source';
import { silentLogger } from '../../src/log';
import { DEFAULT_MESH_SETTINGS, MeshSettings } from '../../src/push/mesh-settings';
import { Reconciler } from '../../src/reconciler';
import { generateProxyResources } from '../../src/xds/generators';
import { httpRequest } from './http-request';
import { freePort } from './ports';
import { waitUntil } from './wait';

const PACKAGE_ROOT = path.resolve(__dirname, '../..');
const BUILT_CLI = path.join(PACKAGE_ROOT, 'build/reconciler/src/cli.js');

export interface RunningReconciler {
  readonly xdsPort: number;
  readonly opsPort: number;
  stop(): Promise<void>;
}

export interface InProcessReconciler extends RunningReconciler {
  readonly reconciler: Reconciler;
}

export async function startReconcilerInProcess(dir: string, mesh: MeshSettings = DEFAULT_MESH_SETTINGS): Promise<InProcessReconciler> {
  const reconciler = new Reconciler({
    source: new DirectorySource({ dir, settleMs: 20, pollMs: 500 }),
    mesh,
    generate: (push, proxy) => generateProxyResources(push, proxy),
    log: silentLogger(),
    debounceMs: 10,
    xds: { host: '127.0.0.1', port: 0 },
    ops: { host: '127.0.0.1', port: 0 },
  });
  const ports = await reconciler.start();
  return { reconciler, xdsPort: ports.xdsPort, opsPort: ports.opsPort!, stop: () => reconciler.stop() };
}

/** Compiles the reconciler when the built CLI is missing or older than a source file. */
export function ensureBuiltCli(): string {
  const newestSource = newestMtime(path.join(PACKAGE_ROOT, 'src'));
  const built = fs.existsSync(BUILT_CLI) ? fs.statSync(BUILT_CLI).mtimeMs : 0;
  if (built < newestSource) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PACKAGE_ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  }
  return BUILT_CLI;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

export interface ChildReconciler extends RunningReconciler {
  readonly child: ChildProcess;
  /** Everything the process wrote (JSON log lines), for assertions and failure reports. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

export async function startReconcilerChild(dir: string, extraArgs: string[] = []): Promise<ChildReconciler> {
  const cli = ensureBuiltCli();
  const xdsPort = await freePort();
  const opsPort = await freePort();
  let output = '';
  const child = spawn(process.execPath, [cli, '--source=directory', '--dir', dir, '--host', '127.0.0.1',
    '--xds-port', String(xdsPort), '--ops-port', String(opsPort), ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => { hasExited = true; });

  const stop = async () => {
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntil('the reconciler child to become ready', async () => {
      if (hasExited) throw new Error(`reconciler exited at startup:\n${output}`);
      const ready = await httpRequest({ host: '127.0.0.1', port: opsPort, path: '/readyz', timeoutMs: 1000 }).catch(() => undefined);
      return ready?.status === 200;
    }, 20_000, 50);
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, xdsPort, opsPort, output: () => output, exited, stop };
}
