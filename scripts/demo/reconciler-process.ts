/**
 * The reconciler as an operator runs it on a VM: the built CLI in directory mode on loopback,
 * its log in a file, its CA in the demo's data directory. Its ops endpoints are read over HTTP.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { EdgeTraffic } from '../../reconciler/src/telemetry/edge-traffic';
import { httpRequest } from '../../reconciler/test/support/http-request';
import { freePort } from '../../reconciler/test/support/ports';
import { terminate } from '../../reconciler/test/support/terminate';
import { STARTUP_DEADLINE_MS, waitUntil } from '../../reconciler/test/support/wait';

const BUILT_CLI = path.join(__dirname, '..', '..', 'reconciler', 'build', 'reconciler', 'src', 'cli.js');

export class ReconcilerProcess {
  /** Starts the CLI and waits until it is ready; `abandoned()` turning true stops it and rejects (Ctrl-C during startup). */
  static async start(configDir: string, meshConfigFile: string, workDir: string, abandoned: () => boolean): Promise<ReconcilerProcess> {
    if (!fs.existsSync(BUILT_CLI)) {
      throw new Error(`the reconciler is not built (${BUILT_CLI} is missing); run \`npm run demo\`, which builds it, or \`npm run --prefix reconciler build\``);
    }
    const [xdsPort, xdsTlsPort, opsPort] = [await freePort(), await freePort(), await freePort()];
    const logFile = path.join(workDir, 'reconciler.log');
    const log = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, [BUILT_CLI, '--source=directory', '--dir', configDir, '--host', '127.0.0.1',
      '--xds-port', String(xdsPort), '--xds-tls-port', String(xdsTlsPort), '--ops-port', String(opsPort),
      '--data-dir', path.join(workDir, 'data'), '--mesh-config', meshConfigFile], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const reconciler = new ReconcilerProcess(child, xdsPort, opsPort, logFile);
    try {
      await waitUntil(`the reconciler to become ready (log: ${logFile})`, async () => {
        if (child.exitCode !== null) throw new Error(`the reconciler exited at startup with ${child.exitCode}; log: ${logFile}`);
        if (abandoned()) throw new Error('stopped while the reconciler was starting');
        return (await reconciler.get('/readyz').catch(() => undefined))?.status === 200;
      }, STARTUP_DEADLINE_MS, 100);
    } catch (error) {
      await reconciler.stop();
      throw error;
    }
    return reconciler;
  }

  private constructor(private readonly child: ChildProcess, readonly xdsPort: number, readonly opsPort: number, readonly logFile: string) {}

  get opsUrl(): string {
    return `http://127.0.0.1:${this.opsPort}`;
  }

  async get(pathAndQuery: string): Promise<{ status: number; body: string }> {
    return httpRequest({ host: '127.0.0.1', port: this.opsPort, path: pathAndQuery, timeoutMs: 5000 });
  }

  /** `reconciler_config_loads_total`: grows each time the reconciler ingested the config directory. */
  async configLoads(): Promise<number> {
    const metrics = (await this.get('/metrics')).body;
    const line = metrics.split('\n').find((text) => text.startsWith('reconciler_config_loads_total'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** The traffic edges the sidecars reported over the last `windowSeconds` (1 s to 15 min). */
  async trafficEdges(windowSeconds: number): Promise<EdgeTraffic[]> {
    const response = await this.get(`/debug/traffic?window=${Math.round(windowSeconds)}s`);
    if (response.status !== 200) throw new Error(`/debug/traffic answered ${response.status}: ${response.body}`);
    return (JSON.parse(response.body) as { edges: EdgeTraffic[] }).edges;
  }

  /** Whether every listed proxy has ACKed every type it was sent at the version last sent. */
  async allAcked(proxyIds: readonly string[]): Promise<boolean> {
    const syncz = JSON.parse((await this.get('/debug/syncz')).body) as Record<string, Record<string, { sentVersion?: string; ackedVersion?: string }>>;
    return proxyIds.every((id) => syncz[id] !== undefined
      && Object.values(syncz[id]).every((status) => status.sentVersion === undefined || status.ackedVersion === status.sentVersion));
  }

  async stop(): Promise<void> {
    await terminate(this.child, 5000);
  }
}
