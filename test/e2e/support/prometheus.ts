/**
 * A real Prometheus (and promtool) for the telemetry scenarios, built from the Go module proxy by
 * `scripts/test-binaries/ensure.sh` (cached per machine). Prometheus scrapes the given targets on
 * loopback into a temporary TSDB and is queried over its HTTP API; it is stopped by pid.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { httpRequest } from '../../../reconciler/test/support/http-request';
import { freePort } from '../../../reconciler/test/support/ports';
import { terminate } from '../../../reconciler/test/support/terminate';
import { waitUntil } from '../../../reconciler/test/support/wait';

const ENSURE = path.resolve(__dirname, '../../../scripts/test-binaries/ensure.sh');

/** Paths of the binaries, building them on first use (minutes, once per machine). */
export function prometheusBinaries(): { prometheus: string; promtool: string } {
  const output = execFileSync(ENSURE, ['prometheus', 'promtool'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const paths = Object.fromEntries(output.trim().split('\n').map((line) => line.split('=') as [string, string]));
  return { prometheus: paths.prometheus, promtool: paths.promtool };
}

/** Runs `promtool check metrics` (with `args`) on an exposition; `ok` is its exit status, `output` what it said. */
export function promtoolCheckMetrics(promtool: string, exposition: string, args: readonly string[] = []): { ok: boolean; output: string } {
  try {
    const output = execFileSync(promtool, ['check', 'metrics', ...args], { input: exposition, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { ok: true, output };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

export interface PrometheusSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export class PrometheusServer {
  /** Scrapes `targets` (`host:port`, path /metrics) every `scrapeIntervalSeconds`. */
  static async start(binary: string, targets: readonly string[], scrapeIntervalSeconds: number): Promise<PrometheusServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));
    const config = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(config, [
      `global: { scrape_interval: ${scrapeIntervalSeconds}s, evaluation_interval: ${scrapeIntervalSeconds}s }`,
      'scrape_configs:',
      '- job_name: mesh-reconciler',
      `  static_configs: [{ targets: [${targets.map((target) => `'${target}'`).join(', ')}] }]`,
      '',
    ].join('\n'));
    const port = await freePort();
    const logFile = path.join(dir, 'prometheus.log');
    const log = fs.openSync(logFile, 'w');
    const child = spawn(binary, [
      `--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    ], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const server = new PrometheusServer(port, dir, child, logFile);
    await waitUntil(`Prometheus to be ready on 127.0.0.1:${port} (log: ${logFile})`, async () => {
      if (server.exited) throw new Error(`Prometheus exited at startup:\n${fs.readFileSync(logFile, 'utf8')}`);
      const ready = await httpRequest({ host: '127.0.0.1', port, path: '/-/ready', timeoutMs: 1000 }).catch(() => undefined);
      return ready?.status === 200;
    }, 30_000, 100);
    return server;
  }

  private exited = false;

  private constructor(readonly port: number, private readonly dir: string, private readonly child: ChildProcess, readonly logFile: string) {
    child.once('exit', () => { this.exited = true; });
  }

  /** An instant query through the HTTP API (`/api/v1/query`). */
  async query(promql: string): Promise<PrometheusSample[]> {
    const response = await httpRequest({ host: '127.0.0.1', port: this.port, path: `/api/v1/query?query=${encodeURIComponent(promql)}`, timeoutMs: 5000 });
    type Result = { metric: Record<string, string>; value: [number, string] };
    const body = JSON.parse(response.body) as { status: string; error?: string; data?: { result: Result[] } };
    if (body.status !== 'success') throw new Error(`Prometheus rejected ${promql}: ${body.error ?? response.body}`);
    return body.data!.result.map((result) => ({ metric: result.metric, value: Number(result.value[1]) }));
  }

  /** The single value of a query that aggregates to one series (NaN when it has none). */
  async scalar(promql: string): Promise<number> {
    const samples = await this.query(promql);
    if (samples.length > 1) throw new Error(`${promql} returned ${samples.length} series, expected one`);
    return samples[0]?.value ?? NaN;
  }

  async stop(keepFiles = false): Promise<void> {
    await terminate(this.child, 5000);
    if (!keepFiles) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
