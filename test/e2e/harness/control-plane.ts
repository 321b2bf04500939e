/**
 * The reconciler a scenario runs, in-process or as the built CLI in a child process. A killed
 * child is restarted on the same ports and CA, where the sidecars already dial. Both modes run with
 * the mesh config file the Mesh construct synthesized (the child through `--mesh-config`). Its ops
 * endpoints (`/debug/syncz`, `/debug/config_dump`, `/metrics`) are read over HTTP in both modes,
 * exactly as an operator would.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import type { ReconcilerMode } from './scenario-types';
import { meshSettingsFromConfig } from '../../../reconciler/src/push/mesh-settings';
import { ADMIN_TIMEOUT_MS, httpRequest } from '../../../reconciler/test/support/http-request';
import {
  ChildReconciler, InProcessReconciler, startReconcilerChild, startReconcilerInProcess,
} from '../../../reconciler/test/support/reconciler-harness';

export class ControlPlane {
  static async start(mode: ReconcilerMode, configDir: string, meshConfigFile: string, childArgs: readonly string[] = []): Promise<ControlPlane> {
    const plane = new ControlPlane(mode, configDir, meshConfigFile, childArgs);
    await plane.startProcess();
    return plane;
  }

  private running: InProcessReconciler | ChildReconciler | undefined;
  /** Ports and CA directory of the first child, reused by restarts so sidecars find the same server and root. */
  private childPlacement: Pick<ChildReconciler, 'xdsPort' | 'xdsTlsPort' | 'opsPort' | 'dataDir'> | undefined;
  /** Output of every child process run so far (restarts included), for failure reports. */
  private earlierOutput = '';

  private constructor(readonly mode: ReconcilerMode, private readonly configDir: string, private readonly meshConfigFile: string,
    private readonly childArgs: readonly string[]) {}

  get xdsPort(): number {
    return this.childPlacement?.xdsPort ?? this.current().xdsPort;
  }

  get opsPort(): number {
    return this.childPlacement?.opsPort ?? this.current().opsPort;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** GET an ops path and parse JSON. */
  async ops<T = unknown>(pathAndQuery: string): Promise<T> {
    const response = await httpRequest({ host: '127.0.0.1', port: this.opsPort, path: pathAndQuery, timeoutMs: ADMIN_TIMEOUT_MS });
    if (response.status !== 200) throw new Error(`reconciler ops ${pathAndQuery} answered ${response.status}: ${response.body}`);
    return JSON.parse(response.body) as T;
  }

  /** POST to an ops path (operator actions), with optional headers; resolves with the status and parsed body. */
  async opsPost<T = unknown>(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const response = await httpRequest({ host: '127.0.0.1', port: this.opsPort, path: pathAndQuery, method: 'POST', headers, timeoutMs: ADMIN_TIMEOUT_MS });
    return { status: response.status, body: JSON.parse(response.body) as T };
  }

  async opsText(pathAndQuery: string): Promise<string> {
    return (await httpRequest({ host: '127.0.0.1', port: this.opsPort, path: pathAndQuery, timeoutMs: ADMIN_TIMEOUT_MS })).body;
  }

  /** SIGKILL, no goodbye to the streams: the outage a crashed pod causes. Child mode only. */
  async kill(): Promise<void> {
    const child = this.childOrThrow('kill');
    child.child.kill('SIGKILL');
    await child.exited;
    this.earlierOutput += child.output();
    this.running = undefined;
  }

  /** Starts a new child on the same ports, with the same CA, after `kill()`. */
  async restart(): Promise<void> {
    if (this.running) throw new Error('the reconciler is still running; kill() it before restart()');
    await this.startProcess();
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.stop();
    if (running && 'output' in running) this.earlierOutput += running.output();
    if (this.childPlacement) fs.rmSync(this.childPlacement.dataDir, { recursive: true, force: true });
  }

  /** Writes what helps diagnose a failure into `dir`; returns the files written. */
  async writeDiagnostics(dir: string): Promise<string[]> {
    const files: string[] = [];
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      files.push(file);
    };
    const output = this.earlierOutput + (this.running && 'output' in this.running ? this.running.output() : '');
    if (this.mode === 'child') write('reconciler.log', output);
    if (this.running) {
      for (const [name, query] of [['syncz.json', '/debug/syncz'], ['rejected.json', '/debug/rejected']]) {
        write(name, await this.opsText(query).catch((error: Error) => `unavailable: ${error.message}`));
      }
    }
    return files;
  }

  private async startProcess(): Promise<void> {
    if (this.mode === 'in-process') {
      // Validated, secured and configured like the CLI, so both modes serve the same config.
      const mesh = meshSettingsFromConfig(parseYaml(fs.readFileSync(this.meshConfigFile, 'utf8')), this.meshConfigFile);
      this.running = await startReconcilerInProcess(this.configDir, mesh, { security: true, validateWithCrds: true });
      return;
    }
    const child = await startReconcilerChild(this.configDir, ['--debounce-ms', '10', '--mesh-config', this.meshConfigFile, ...this.childArgs],
      { reuse: this.childPlacement, keepDataDir: true });
    this.childPlacement ??= { xdsPort: child.xdsPort, xdsTlsPort: child.xdsTlsPort, opsPort: child.opsPort, dataDir: child.dataDir };
    this.running = child;
  }

  private current(): InProcessReconciler | ChildReconciler {
    if (!this.running) throw new Error('the reconciler is not running (killed and not restarted?)');
    return this.running;
  }

  private childOrThrow(action: string): ChildReconciler {
    const running = this.current();
    if (!('child' in running)) throw new Error(`${action}() needs reconciler: 'child' in the scenario options`);
    return running;
  }
}
