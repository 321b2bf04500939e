/**
 * Figures 2 and 7: every proxy connects at once to a reconciler serving `services` services; time
 * until all have ACKed every type, the reconciler's peak RSS and CPU, and the bytes pushed per
 * second against the raw protobuf encode throughput of the same resources.
 */
import { MeshScale, writeMeshConfig } from '../mesh-config';
import { ReconcilerChild } from '../reconciler-child';
import { ProxyFleet } from '../sim/proxy-fleet';
import type { AdsFlavour } from '../sim/simulated-proxy';
import { CapturedResource, encodeBytesPerSecond } from './encode-throughput';
import { FigureRun, proxyWorkloads, removeDir } from './figure';

export interface ColdStartParams {
  readonly services: number;
  readonly proxies: number;
  readonly flavour: AdsFlavour;
  readonly timeoutMs: number;
}

export async function coldStart(params: ColdStartParams): Promise<FigureRun> {
  const scale: MeshScale = { services: params.services };
  const dir = writeMeshConfig(scale);
  const reconciler = await ReconcilerChild.spawn({ dir, source: 'directory' });
  const captured: CapturedResource[] = [];
  const fleet = new ProxyFleet(proxyWorkloads(params.proxies, scale), {
    target: `127.0.0.1:${reconciler.xdsPort}`,
    flavour: params.flavour,
    onResponse: (proxy, response) => {
      if (proxy.id === 'proxy-0') captured.push(...response.resources.map((resource) => ({ typeUrl: response.typeUrl, bytes: resource.bytes })));
    },
  });
  try {
    const startupRss = reconciler.peakRssMiB();
    const cpuBefore = reconciler.cpuSeconds();
    const started = performance.now();
    fleet.connectAll();
    await fleet.waitAllSynced(params.timeoutMs);
    const seconds = (fleet.lastAckAt() - started) / 1000;
    const cpu = reconciler.cpuSeconds() - cpuBefore;
    const peakRss = reconciler.peakRssMiB();
    const bytes = fleet.totalBytes();
    const pushedPerSecond = bytes / seconds;
    const encodePerSecond = encodeBytesPerSecond(captured);
    return {
      figure: 'cold-start',
      params: { ...params },
      measurements: {
        allAckedSeconds: { value: seconds, unit: 's' },
        reconcilerPeakRss: { value: peakRss, unit: 'MiB' },
        reconcilerCpu: { value: cpu, unit: 'CPU s' },
        bytesPerProxy: { value: bytes / params.proxies, unit: 'B' },
        pushedBytesPerSecond: { value: pushedPerSecond / 1e6, unit: 'MB/s' },
        rawEncodeBytesPerSecond: { value: encodePerSecond / 1e6, unit: 'MB/s' },
        pushedVsRawEncode: { value: (pushedPerSecond / encodePerSecond) * 100, unit: '%' },
      },
      notes: { reconcilerRssAfterFirstLoad: Math.round(startupRss), resourcesPerProxy: captured.length },
    };
  } finally {
    fleet.closeAll();
    await reconciler.stop();
    removeDir(dir);
  }
}
