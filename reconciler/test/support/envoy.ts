/**
 * Runs real Envoy sidecars for tests: finds the binary, writes a bootstrap from
 * `buildEnvoyBootstrap()` (NONE interception, its own 127.x address, free admin/stats/readiness
 * ports), starts it with a dynamic base id so several run at once, and waits on its admin API.
 * The log file is kept when a test fails and removed on a clean stop.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildEnvoyBootstrap, ProxyNode } from '../../src/model';
import { ADMIN_TIMEOUT_MS, httpRequest } from './http-request';
import { freePort } from './ports';
import { STARTUP_DEADLINE_MS, waitUntil } from './wait';
import { terminate } from './terminate';

const REPO_ROOT = path.resolve(__dirname, '../../..');

/** $ENVOY_BIN, then `envoy` on PATH, then the copy `scripts/ensure-envoy.sh` installs. */
export function findEnvoy(): string {
  const candidates = [
    process.env.ENVOY_BIN,
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'envoy')),
    path.join(REPO_ROOT, '.cache/envoy/envoy/_bin/envoy'),
  ];
  for (const candidate of candidates) {
    if (candidate && isExecutable(candidate)) return candidate;
  }
  throw new Error('no Envoy binary: set ENVOY_BIN, put envoy on PATH, or run scripts/ensure-envoy.sh');
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface EnvoySidecarOptions {
  readonly xdsPort: number;
  /** @default 127.0.0.1 */
  readonly xdsHost?: string;
  readonly instanceIp: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  /**
   * Dial xDS over TLS, verifying the reconciler's certificate against this CA file and name, and
   * (with `tokenFile`) authenticate with that token over Envoy's Google gRPC client.
   */
  readonly xdsTls?: { readonly caCertFile: string; readonly serverName: string; readonly tokenFile?: string };
  /** How often Envoy streams its stats to the reconciler. @default the bootstrap's default */
  readonly statsFlushIntervalMs?: number;
}

export class EnvoySidecar {
  private exited = false;

  private constructor(
    readonly node: ProxyNode,
    readonly adminAddress: string,
    readonly adminPort: number,
    readonly logFile: string,
    private readonly workDir: string,
    private readonly child: ChildProcess,
  ) {
    child.once('exit', () => {
      this.exited = true;
    });
  }

  static async start(options: EnvoySidecarOptions): Promise<EnvoySidecar> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `envoy-${options.name}-`));
    const ip = options.instanceIp;
    const node: ProxyNode = {
      id: `sidecar~${ip}~${options.name}.${options.namespace}~${options.namespace}.svc.cluster.local`,
      cluster: `${options.labels?.app ?? options.name}.${options.namespace}`,
      namespace: options.namespace,
      serviceAccount: options.serviceAccount ?? 'default',
      name: options.name,
      labels: options.labels ?? {},
      instanceIp: ip,
      interceptionMode: 'NONE',
    };
    const adminPort = await freePort(ip);
    const bootstrap = buildEnvoyBootstrap({
      node,
      xds: { host: options.xdsHost ?? '127.0.0.1', port: options.xdsPort, ...options.xdsTls },
      adminAddress: ip,
      adminPort,
      listenAddress: ip,
      prometheusPort: await freePort(ip),
      readinessPort: await freePort(ip),
      statsFlushIntervalMs: options.statsFlushIntervalMs,
    });
    const bootstrapFile = path.join(workDir, 'bootstrap.json');
    fs.writeFileSync(bootstrapFile, JSON.stringify(bootstrap, null, 2));
    const logFile = path.join(workDir, 'envoy.log');
    const child = spawn(findEnvoy(), [
      // Access log lines reach their file within 100 ms (Envoy's default is every 10 s), so tests can read them.
      '-c', bootstrapFile, '--concurrency', '1', '--use-dynamic-base-id', '--log-path', logFile, '-l', 'info', '--file-flush-interval-msec', '100',
      '--drain-time-s', '1', '--parent-shutdown-time-s', '2',
    ], { stdio: ['ignore', 'ignore', 'ignore'] });
    const sidecar = new EnvoySidecar(node, ip, adminPort, logFile, workDir, child);
    await waitUntil(`Envoy ${options.name} admin on ${ip}:${adminPort} (log: ${logFile})`, async () => {
      if (sidecar.exited) throw new Error(`Envoy ${options.name} exited at startup; log: ${logFile}\n${sidecar.logTail()}`);
      return (await sidecar.admin('/ready').catch(() => undefined)) !== undefined;
    }, STARTUP_DEADLINE_MS, 50);
    return sidecar;
  }

  /** GET an admin path; rejects when the admin port does not answer. */
  async admin(pathAndQuery: string): Promise<string> {
    const result = await httpRequest({ host: this.adminAddress, port: this.adminPort, path: pathAndQuery, timeoutMs: ADMIN_TIMEOUT_MS });
    return result.body;
  }

  /** Names of the dynamic listeners Envoy has active (warmed). */
  async activeListeners(): Promise<string[]> {
    const dump = JSON.parse(await this.admin('/config_dump?resource=dynamic_listeners')) as { configs?: any[] };
    return (dump.configs ?? []).filter((entry) => entry.active_state).map((entry) => entry.name as string);
  }

  /** Names of the clusters Envoy knows (static and dynamic). */
  async clusterNames(): Promise<string[]> {
    const text = await this.admin('/clusters');
    return [...new Set(text.split('\n').map((line) => line.split('::')[0]).filter(Boolean))];
  }

  /** Waits until every named listener is active and every named cluster exists. */
  async waitForConfig(expected: { listeners?: string[]; clusters?: string[] }, timeoutMs = STARTUP_DEADLINE_MS): Promise<void> {
    await waitUntil(`Envoy ${this.node.name} to hold ${JSON.stringify(expected)} (log: ${this.logFile})`, async () => {
      const listeners = expected.listeners ? await this.activeListeners() : [];
      const clusters = expected.clusters ? await this.clusterNames() : [];
      return (expected.listeners ?? []).every((name) => listeners.includes(name))
        && (expected.clusters ?? []).every((name) => clusters.includes(name));
    }, timeoutMs, 100);
  }

  logTail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Kills Envoy; removes its files unless `keepFiles` (pass true when the test failed). */
  async stop(keepFiles = false): Promise<void> {
    await terminate(this.child);
    if (!keepFiles) fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}
