/**
 * Figure 3: one VirtualService edit (a canary weight) written to its file while `proxies` sidecars
 * are connected; time from the write to the last proxy's ACK of the new routes, over many edits.
 * The window the reconciler waits on purpose is the directory source's settle delay plus the
 * push debounce; the target is stated beyond that window.
 */
import * as fs from 'fs';
import { TYPE_URLS } from '../../src/push/contract';
import { MeshScale, serviceFile, serviceYaml, writeMeshConfig } from '../mesh-config';
import { ReconcilerChild } from '../reconciler-child';
import { ProxyFleet } from '../sim/proxy-fleet';
import type { AdsFlavour } from '../sim/simulated-proxy';
import { FigureRun, percentile, proxyWorkloads, removeDir, sleep } from './figure';

export interface VsEditParams {
  readonly services: number;
  readonly proxies: number;
  readonly edits: number;
  readonly flavour: AdsFlavour;
  readonly debounceMs: number;
  readonly timeoutMs: number;
}

/** DirectorySource's default settle delay (its `settleMs`). */
const DIRECTORY_SETTLE_MS = 50;

export async function vsEdit(params: VsEditParams): Promise<FigureRun> {
  const scale: MeshScale = { services: params.services };
  const dir = writeMeshConfig(scale);
  const reconciler = await ReconcilerChild.spawn({ dir, source: 'directory', debounceMs: params.debounceMs });
  const fleet = new ProxyFleet(proxyWorkloads(params.proxies, scale), { target: `127.0.0.1:${reconciler.xdsPort}`, flavour: params.flavour });
  const routeAcks = () => fleet.proxies.map((proxy) => proxy.counters.get(TYPE_URLS.route)!.acks);
  try {
    fleet.connectAll();
    await fleet.waitAllSynced(params.timeoutMs);
    const latencies: number[] = [];
    for (let edit = 0; edit < params.edits; edit += 1) {
      const service = edit % params.services;
      const before = routeAcks();
      const written = performance.now();
      // Weight 11..98, never the generated 10, so every edit changes the routes.
      fs.writeFileSync(serviceFile(dir, service), serviceYaml(service, scale, { canaryWeight: 11 + (edit % 88) }));
      await fleet.waitFor(`edit ${edit} ACKed by every proxy`, () => routeAcks().every((acks, index) => acks > before[index]), params.timeoutMs, 1);
      const lastAck = Math.max(...fleet.proxies.map((proxy) => proxy.counters.get(TYPE_URLS.route)!.lastAckAt!));
      latencies.push(lastAck - written);
      await sleep(DIRECTORY_SETTLE_MS); // let the watcher's trailing events pass before the next edit
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const windowMs = DIRECTORY_SETTLE_MS + params.debounceMs;
    return {
      figure: 'vs-edit',
      params: { ...params },
      measurements: {
        p50: { value: percentile(sorted, 50), unit: 'ms' },
        p99: { value: percentile(sorted, 99), unit: 'ms' },
        p99BeyondWindow: { value: percentile(sorted, 99) - windowMs, unit: 'ms' },
      },
      notes: { debounceMs: params.debounceMs, directorySettleMs: DIRECTORY_SETTLE_MS, edits: latencies.length },
    };
  } finally {
    fleet.closeAll();
    await reconciler.stop();
    removeDir(dir);
  }
}
