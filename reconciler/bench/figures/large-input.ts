/**
 * Large and oversized input: the reconciler's peak memory and its /healthz latency while it reads
 * (a) one 50 MB file, refused by the file size limit, and (b) 50 MB of config in five 10 MB files,
 * parsed in slices. Deployments make up the bulk, as in a synthesized app.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ReconcilerChild } from '../reconciler-child';
import { FigureRun, percentile, removeDir, sleep } from './figure';

export interface LargeInputOptions {
  readonly megabytes: number;
  readonly files: number;
  readonly timeoutMs: number;
}

function deployments(prefix: string, bytes: number): string {
  const documents: string[] = [];
  let size = 0;
  for (let index = 0; size < bytes; index += 1) {
    const text = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${prefix}-${index}, namespace: shop}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n`
      + `      - name: app\n        image: example/web:1.0\n        env: [${Array.from({ length: 12 }, (_, env) => `{name: VAR_${env}, value: "value ${env}"}`).join(', ')}]\n`;
    documents.push(text);
    size += text.length + 4;
  }
  return documents.join('---\n');
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function get(port: number, requestPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: requestPath, timeout: 10_000 }, (response) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve(body));
    });
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error(`GET ${requestPath} timed out`)));
  });
}

/** Polls /healthz until `done()`; returns each answer's latency in ms. */
async function healthLatencies(port: number, done: () => Promise<boolean>, timeoutMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('the config was not applied in time');
    const started = process.hrtime.bigint();
    await get(port, '/healthz');
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    await sleep(20);
  }
  return latencies.sort((a, b) => a - b);
}

export async function largeInput(options: LargeInputOptions): Promise<FigureRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-large-'));
  fs.writeFileSync(path.join(dir, 'mesh.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n');
  const opsPort = await freePort();
  const child = await ReconcilerChild.spawn({ dir, source: 'directory', opsPort });
  try {
    const loads = async () => Number(/reconciler_config_loads_total (\d+)/.exec(await get(opsPort, '/metrics'))?.[1] ?? 0);
    const idleRss = child.peakRssMiB();

    let before = await loads();
    fs.writeFileSync(path.join(dir, 'huge.yaml'), `# ${' '.repeat(options.megabytes * 1024 * 1024)}\n`);
    const oversized = await healthLatencies(opsPort, async () => (await loads()) > before, options.timeoutMs);
    const oversizedRss = child.peakRssMiB();
    fs.rmSync(path.join(dir, 'huge.yaml'));

    before = await loads();
    const started = Date.now();
    for (let file = 0; file < options.files; file += 1) {
      fs.writeFileSync(path.join(dir, `workloads-${file}.yaml`), deployments(`w${file}`, (options.megabytes * 1024 * 1024) / options.files));
    }
    const parsed = await healthLatencies(opsPort, async () => (await loads()) > before
      && JSON.parse(await get(opsPort, '/debug/ignored')).notMeshConfig['apps/v1 Deployment'] > 0, options.timeoutMs);
    const loadSeconds = (Date.now() - started) / 1000;
    return {
      figure: 'large-input',
      params: { megabytes: options.megabytes, files: options.files },
      measurements: {
        idleRss: { value: idleRss, unit: 'MiB' },
        oversizedFilePeakRss: { value: oversizedRss, unit: 'MiB' },
        oversizedFileHealthzMax: { value: oversized.at(-1) ?? 0, unit: 'ms' },
        largeConfigPeakRss: { value: child.peakRssMiB(), unit: 'MiB' },
        largeConfigLoad: { value: loadSeconds, unit: 's' },
        largeConfigHealthzP99: { value: percentile(parsed, 99), unit: 'ms' },
        largeConfigHealthzMax: { value: parsed.at(-1) ?? 0, unit: 'ms' },
      },
      notes: { healthzPolls: parsed.length },
    };
  } finally {
    await child.stop();
    removeDir(dir);
  }
}
