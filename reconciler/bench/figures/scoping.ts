/**
 * Figure 6: config bytes one sidecar receives with and without dependency scoping, at the same
 * mesh size; the scoped workload declares `dependencies` services it calls.
 */
import { MeshScale, writeMeshConfig } from '../mesh-config';
import { ReconcilerChild } from '../reconciler-child';
import { ProxyFleet } from '../sim/proxy-fleet';
import { FigureRun, proxyWorkloads, removeDir } from './figure';

export interface ScopingParams {
  readonly services: number;
  readonly dependencies: number;
  readonly timeoutMs: number;
}

async function bytesForOneProxy(scale: MeshScale, timeoutMs: number): Promise<{ bytes: number; resources: number }> {
  const dir = writeMeshConfig(scale);
  const reconciler = await ReconcilerChild.spawn({ dir, source: 'directory' });
  const fleet = new ProxyFleet(proxyWorkloads(1, scale), { target: `127.0.0.1:${reconciler.xdsPort}`, flavour: 'sotw' });
  try {
    fleet.connectAll();
    await fleet.waitAllSynced(timeoutMs);
    const counters = [...fleet.proxies[0].counters.values()];
    return { bytes: fleet.totalBytes(), resources: counters.reduce((sum, entry) => sum + entry.resources, 0) };
  } finally {
    fleet.closeAll();
    await reconciler.stop();
    removeDir(dir);
  }
}

export async function scoping(params: ScopingParams): Promise<FigureRun> {
  const unscoped = await bytesForOneProxy({ services: params.services }, params.timeoutMs);
  const scoped = await bytesForOneProxy({ services: params.services, dependencies: params.dependencies }, params.timeoutMs);
  return {
    figure: 'scoping',
    params: { ...params },
    measurements: {
      unscopedBytes: { value: unscoped.bytes, unit: 'B' },
      scopedBytes: { value: scoped.bytes, unit: 'B' },
      reduction: { value: unscoped.bytes / scoped.bytes, unit: '×' },
    },
    notes: { unscopedResources: unscoped.resources, scopedResources: scoped.resources },
  };
}
