/**
 * Real Envoys next to simulated proxies: `envoys` real sidecars (interception NONE, each on its own
 * 127.x address, unique base id, one worker) and as many simulated ones cold-start against the same
 * config; both are timed from launch to "every type ACKed" as the reconciler's /debug/syncz reports.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildEnvoyBootstrap } from '../../src/model';
import { SUBSCRIBED_TYPES } from '../sim/simulated-proxy';
import { MeshScale, writeMeshConfig } from '../mesh-config';
import { ReconcilerChild } from '../reconciler-child';
import { ProxyFleet, sidecarProxyNode } from '../sim/proxy-fleet';
import { FigureRun, proxyWorkloads, removeDir, sleep } from './figure';

export interface RealEnvoyParams {
  readonly services: number;
  readonly envoys: number;
  readonly timeoutMs: number;
}

/** $ENVOY_BIN, then `envoy` on PATH, then the copy scripts/ensure-envoy.sh installs. */
export function findEnvoy(): string {
  const repoCopy = (() => {
    for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'scripts/ensure-envoy.sh'))) return path.join(dir, '.cache/envoy/envoy/_bin/envoy');
    }
    return undefined;
  })();
  const candidates = [process.env.ENVOY_BIN, ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'envoy')), repoCopy];
  const found = candidates.find((candidate) => candidate && fs.existsSync(candidate) && fs.statSync(candidate).isFile());
  if (!found) throw new Error('no Envoy binary: set ENVOY_BIN, put envoy on PATH, or run scripts/ensure-envoy.sh');
  return found;
}

/** Proxy ids whose every subscribed type is ACKed at the version last sent; throws on a NACK. */
async function syncedProxies(opsPort: number): Promise<Set<string>> {
  const syncz = await (await fetch(`http://127.0.0.1:${opsPort}/debug/syncz`)).json() as Record<string, Record<string, any>>;
  const synced = new Set<string>();
  for (const [proxyId, types] of Object.entries(syncz)) {
    for (const status of Object.values(types)) {
      if (status.lastNack) throw new Error(`proxy ${proxyId} NACKed: ${status.lastNack.message}`);
    }
    if (SUBSCRIBED_TYPES.every((typeUrl) => types[typeUrl]?.ackedVersion !== undefined && types[typeUrl].ackedVersion === types[typeUrl].sentVersion)) synced.add(proxyId);
  }
  return synced;
}

async function timeUntilSynced(opsPort: number, ids: readonly string[], started: number, timeoutMs: number): Promise<number> {
  for (;;) {
    const synced = await syncedProxies(opsPort);
    if (ids.every((id) => synced.has(id))) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) throw new Error(`${ids.length - ids.filter((id) => synced.has(id)).length} of ${ids.length} proxies not synced within ${timeoutMs} ms`);
    await sleep(10);
  }
}

function startEnvoys(count: number, scale: MeshScale, xdsPort: number, workDir: string): { ids: string[]; children: ChildProcess[] } {
  const envoy = findEnvoy();
  const baseId = 40_000 + (process.pid % 1000) * 10;
  const workloads = proxyWorkloads(count, scale);
  const children = workloads.map((workload, index) => {
    const node = sidecarProxyNode(workload);
    const adminAddress = `127.200.${process.pid % 250}.${index + 1}`;
    const bootstrap = buildEnvoyBootstrap({ node, xds: { host: '127.0.0.1', port: xdsPort }, adminAddress, listenAddress: adminAddress });
    const file = path.join(workDir, `envoy-${index}.json`);
    fs.writeFileSync(file, JSON.stringify(bootstrap));
    return spawn(envoy, ['-c', file, '--concurrency', '1', '--base-id', String(baseId + index), '-l', 'error',
      '--log-path', path.join(workDir, `envoy-${index}.log`)], { stdio: 'ignore' });
  });
  return { ids: workloads.map((workload) => sidecarProxyNode(workload).id), children };
}

async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  })));
}

export async function realEnvoy(params: RealEnvoyParams): Promise<FigureRun> {
  const scale: MeshScale = { services: params.services };
  const dir = writeMeshConfig(scale);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-bench-'));
  let envoys: ChildProcess[] = [];
  let fleet: ProxyFleet | undefined;
  const realReconciler = await ReconcilerChild.spawn({ dir, source: 'directory', opsPort: 0 });
  try {
    const realStarted = performance.now();
    const started = startEnvoys(params.envoys, scale, realReconciler.xdsPort, workDir);
    envoys = started.children;
    const realSeconds = await timeUntilSynced(realReconciler.opsPort!, started.ids, realStarted, params.timeoutMs);
    await stopAll(envoys);
    envoys = [];

    const simulatedReconciler = await ReconcilerChild.spawn({ dir, source: 'directory', opsPort: 0 });
    try {
      fleet = new ProxyFleet(proxyWorkloads(params.envoys, scale), { target: `127.0.0.1:${simulatedReconciler.xdsPort}`, flavour: 'sotw' });
      const simulatedStarted = performance.now();
      fleet.connectAll();
      const simulatedSeconds = await timeUntilSynced(simulatedReconciler.opsPort!, started.ids, simulatedStarted, params.timeoutMs);
      return {
        figure: 'real-envoy',
        params: { ...params },
        measurements: {
          realEnvoyAllAckedSeconds: { value: realSeconds, unit: 's' },
          simulatedAllAckedSeconds: { value: simulatedSeconds, unit: 's' },
          realOverSimulated: { value: realSeconds / simulatedSeconds, unit: '×' },
        },
        notes: { envoyFlavour: 'sotw (bootstrap ads_config api_type GRPC)' },
      };
    } finally {
      fleet?.closeAll();
      await simulatedReconciler.stop();
    }
  } finally {
    await stopAll(envoys);
    await realReconciler.stop();
    removeDir(dir);
    removeDir(workDir);
  }
}
