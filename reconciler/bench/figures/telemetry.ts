/**
 * Figure 8: what the telemetry costs the control plane. With the mesh loaded, `proxies` simulated
 * sidecars open stats streams and flush a few hundred stats every 5 s (phases spread over the
 * interval). After a warm-up (every series made), the reconciler's CPU is measured over a window
 * of steady flushing, its RSS against the level before any stream opened, and the edge store is
 * queried (5 min window over every edge of the mesh) inside the reconciler process.
 */
import { MeshScale, writeMeshConfig } from '../mesh-config';
import { ReconcilerChild, TelemetryTimings } from '../reconciler-child';
import { StatsFleet } from '../sim/stats-fleet';
import { FigureRun, percentile, proxyWorkloads, removeDir, sleep } from './figure';

export interface TelemetryParams {
  readonly services: number;
  readonly proxies: number;
  readonly clustersPerProxy: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

const FLUSH_INTERVAL_MS = 5000;
const QUERY_WINDOW_MS = 5 * 60_000;
const QUERIES = 7;

export async function telemetry(params: TelemetryParams): Promise<FigureRun> {
  const scale: MeshScale = { services: params.services };
  const dir = writeMeshConfig(scale);
  const reconciler = await ReconcilerChild.spawn({ dir, source: 'directory' });
  const fleet = new StatsFleet(proxyWorkloads(params.proxies, scale), scale, {
    target: `127.0.0.1:${reconciler.xdsPort}`, intervalMs: FLUSH_INTERVAL_MS, clustersPerProxy: params.clustersPerProxy, channels: 10,
  });
  try {
    await sleep(2000);
    const rssBefore = reconciler.rssMiB();
    fleet.start();
    await sleep(params.warmupSeconds * 1000);
    const cpuStart = reconciler.cpuSeconds();
    const wallStart = performance.now();
    const flushesStart = fleet.flushesSent;
    await sleep(params.seconds * 1000);
    const cpuSeconds = reconciler.cpuSeconds() - cpuStart;
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const flushes = fleet.flushesSent - flushesStart;
    const rssAfter = reconciler.rssMiB();
    const timings: TelemetryTimings[] = [];
    for (let query = 0; query < QUERIES; query += 1) timings.push(await reconciler.timeTelemetry(QUERY_WINDOW_MS));
    const queryMs = timings.map((timing) => timing.edgeQueryMs).sort((a, b) => a - b);
    const renderMs = timings.map((timing) => timing.metricsRenderMs).sort((a, b) => a - b);
    const last = timings[timings.length - 1];
    return {
      figure: 'telemetry',
      params: { ...params },
      measurements: {
        reconcilerCores: { value: cpuSeconds / wallSeconds, unit: 'cores' },
        extraRss: { value: rssAfter - rssBefore, unit: 'MiB' },
        edgeQueryMs: { value: percentile(queryMs, 50), unit: 'ms' },
        metricsRenderMs: { value: percentile(renderMs, 50), unit: 'ms' },
      },
      notes: {
        statsPerFlush: fleet.statsPerFlush, flushesPerSecond: Math.round(flushes / wallSeconds), flushesReceived: last.flushes,
        edges: last.edges, series: last.series, istioSeries: last.istioSeries, metricsBytes: last.metricsBytes,
        rssBeforeMiB: Math.round(rssBefore), edgeQueryMaxMs: Math.round(queryMs[queryMs.length - 1]),
      },
    };
  } finally {
    fleet.close();
    await reconciler.stop();
    removeDir(dir);
  }
}
