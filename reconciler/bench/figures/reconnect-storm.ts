/**
 * Figure 5: with every proxy connected and synced, the reconciler is restarted on the same port;
 * time from the restart until every proxy has ACKed every type again on its new stream. Proxies
 * retry with Envoy's jittered backoff (first retry within 500 ms), which is part of the time.
 */
import { MeshScale, writeMeshConfig } from '../mesh-config';
import { ReconcilerChild } from '../reconciler-child';
import { ProxyFleet } from '../sim/proxy-fleet';
import type { AdsFlavour } from '../sim/simulated-proxy';
import { FigureRun, proxyWorkloads, removeDir } from './figure';

export interface ReconnectParams {
  readonly services: number;
  readonly proxies: number;
  readonly flavour: AdsFlavour;
  readonly timeoutMs: number;
}

export async function reconnectStorm(params: ReconnectParams): Promise<FigureRun> {
  const scale: MeshScale = { services: params.services };
  const dir = writeMeshConfig(scale);
  let reconciler = await ReconcilerChild.spawn({ dir, source: 'directory' });
  const port = reconciler.xdsPort;
  const fleet = new ProxyFleet(proxyWorkloads(params.proxies, scale), { target: `127.0.0.1:${port}`, flavour: params.flavour });
  try {
    fleet.connectAll();
    await fleet.waitAllSynced(params.timeoutMs);
    const acksBefore = fleet.proxies.map((proxy) => new Map([...proxy.counters].map(([typeUrl, counters]) => [typeUrl, counters.acks])));
    const restarted = performance.now();
    await reconciler.stop();
    reconciler = await ReconcilerChild.spawn({ dir, source: 'directory', xdsPort: port });
    const serving = performance.now();
    const reAcked = () => fleet.proxies.every((proxy, index) => [...acksBefore[index]]
      .every(([typeUrl, acks]) => acks === 0 || proxy.counters.get(typeUrl)!.acks > acks));
    await fleet.waitFor('every proxy re-ACKs every type after the restart', reAcked, params.timeoutMs);
    return {
      figure: 'reconnect-storm',
      params: { ...params },
      measurements: {
        allReAckedSeconds: { value: (fleet.lastAckAt() - restarted) / 1000, unit: 's' },
        reconcilerRestartSeconds: { value: (serving - restarted) / 1000, unit: 's' },
        reconcilerPeakRss: { value: reconciler.peakRssMiB(), unit: 'MiB' },
      },
    };
  } finally {
    fleet.closeAll();
    await reconciler.stop();
    removeDir(dir);
  }
}
