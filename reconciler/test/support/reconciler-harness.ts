/**
 * Starts the reconciler for end-to-end tests: in-process (fast, inspectable) with the real
 * directory source and generators, or as a child process running the built CLI (for restart, kill
 * and signal tests). Both bind loopback only and pick free ports.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { DirectorySource } from '../../src/config/directory-source';
import type { MeshObjectValidator } from '../../src/config/ingest';
import { CrdValidator } from '../../src/config/crd-validator';
import { silentLogger } from '../../src/log';
import type { ProxyIdentity, ProxyResources } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS, MeshSettings } from '../../src/push/mesh-settings';
import { Reconciler } from '../../src/reconciler';
import { DirectoryCaStore } from '../../src/security/directory-ca-store';
import { loadMeshSecurity, MeshSecurity } from '../../src/security/mesh-security';
import { generateProxyResources } from '../../src/xds/generators';
import { httpRequest } from './http-request';
import { freePort } from './ports';
import { STARTUP_DEADLINE_MS, waitUntil } from './wait';

const PACKAGE_ROOT = path.resolve(__dirname, '../..');
const BUILT_CLI = path.join(PACKAGE_ROOT, 'build/reconciler/src/cli.js');

export interface RunningReconciler {
  readonly xdsPort: number;
  readonly opsPort: number;
  stop(): Promise<void>;
}

export interface InProcessReconciler extends RunningReconciler {
  readonly reconciler: Reconciler;
  /** The CA, certificates and security hooks, when started with `security: true`. */
  readonly security?: MeshSecurity;
}

export interface InProcessOptions {
  /** Serve SDS certificates and mTLS from a CA created in a temporary directory, as the CLI does. */
  readonly security?: boolean;
  /** Check objects against the repository's Istio CRD schemas and CEL rules, as the CLI does. */
  readonly validateWithCrds?: boolean;
  /**
   * Changes what the generators produce before it is encoded and served, standing in for a
   * generator defect (content Envoy refuses that no config check can see). Must not mutate its input.
   */
  readonly alterGenerated?: (resources: ProxyResources, proxy: ProxyIdentity) => ProxyResources;
}

const REPO_CRDS = path.resolve(PACKAGE_ROOT, '../imports/istio/crd-all.gen.yaml');
let crdValidator: MeshObjectValidator | undefined;

/** Compiled once per test process: the schemas are large. */
function repositoryCrdValidator(): MeshObjectValidator {
  crdValidator ??= new CrdValidator(parseAllDocuments(fs.readFileSync(REPO_CRDS, 'utf8')).map((doc) => doc.toJS() as object).filter(Boolean));
  return crdValidator;
}

export async function startReconcilerInProcess(
  dir: string, mesh: MeshSettings = DEFAULT_MESH_SETTINGS, options: InProcessOptions = {}): Promise<InProcessReconciler> {
  const caDir = options.security ? fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ca-')) : undefined;
  const security = caDir ? await loadMeshSecurity(new DirectoryCaStore(caDir), mesh) : undefined;
  const reconciler = new Reconciler({
    source: new DirectorySource({ dir, settleMs: 20, pollMs: 500 }),
    mesh,
    generate: (push, proxy) => {
      const generated = generateProxyResources(push, proxy, security?.extensions);
      return options.alterGenerated ? options.alterGenerated(generated, proxy) : generated;
    },
    certificates: security?.certificates,
    validator: options.validateWithCrds ? repositoryCrdValidator() : undefined,
    log: silentLogger(),
    debounceMs: 10,
    xds: { host: '127.0.0.1', port: 0 },
    ops: { host: '127.0.0.1', port: 0 },
  });
  const ports = await reconciler.start();
  const stop = async () => {
    await reconciler.stop();
    if (caDir) fs.rmSync(caDir, { recursive: true, force: true });
  };
  return { reconciler, security, xdsPort: ports.xdsPort, opsPort: ports.opsPort!, stop };
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
  readonly xdsTlsPort: number;
  /** Holds the CA (`ca/`); reuse it across a restart to keep the same root. */
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Everything the process wrote (JSON log lines), for assertions and failure reports. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

export interface ChildOptions {
  /** Reuse the ports and data directory of an earlier child (a restart). */
  readonly reuse?: Pick<ChildReconciler, 'xdsPort' | 'xdsTlsPort' | 'opsPort' | 'dataDir'>;
  /** Keep the data directory on `stop()`, for a later child to reuse (which then removes it). */
  readonly keepDataDir?: boolean;
}

/** Runs the built CLI in directory mode on loopback, with its CA in a temporary data directory. */
export async function startReconcilerChild(dir: string, extraArgs: string[] = [], options: ChildOptions = {}): Promise<ChildReconciler> {
  const cli = ensureBuiltCli();
  const xdsPort = options.reuse?.xdsPort ?? await freePort();
  const xdsTlsPort = options.reuse?.xdsTlsPort ?? await freePort();
  const opsPort = options.reuse?.opsPort ?? await freePort();
  const dataDir = options.reuse?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-data-'));
  let output = '';
  const child = spawn(process.execPath, [cli, '--source=directory', '--dir', dir, '--host', '127.0.0.1',
    '--xds-port', String(xdsPort), '--xds-tls-port', String(xdsTlsPort), '--ops-port', String(opsPort),
    '--data-dir', dataDir, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => { hasExited = true; });

  const stop = async () => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (!options.keepDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil('the reconciler child to become ready', async () => {
      if (hasExited) throw new Error(`reconciler exited at startup:\n${output}`);
      const ready = await httpRequest({ host: '127.0.0.1', port: opsPort, path: '/readyz', timeoutMs: 1000 }).catch(() => undefined);
      return ready?.status === 200;
    }, STARTUP_DEADLINE_MS, 50);
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, xdsPort, xdsTlsPort, opsPort, dataDir, output: () => output, exited, stop };
}
