/**
 * Figure 8: what the telemetry costs the control plane. With the mesh loaded (pushed once, so no
 * file polling adds to the CPU), the idle reconciler's CPU is measured; then `proxies` simulated
 * sidecars open stats streams and flush a few hundred stats every 5 s (phases spread over the
 * interval). After a warm-up (every series made), the reconciler's CPU is measured over a window
 * of steady flushing, its RSS against the level before any stream opened, and the edge store is
 * queried (5 min window over every edge of the mesh) inside the reconciler process, and so is the
 * observatory's whole-mesh graph (target ≤ 100 ms at 1 000 services): as `/api/graph` answers it,
 * sharing the window's merged traffic for up to a flush interval, and merged anew (`graphFreshMs`,
 * a request that finds nothing to share). The machine's load average is noted: on a shared 2-core
 * machine other work inflates wall times most.
 */
import * as os from 'os';
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
const IDLE_SECONDS = 10;

export async function telemetry(params: TelemetryParams): Promise<FigureRun> {
  const scale: MeshScale = { services: params.services };
  const dir = writeMeshConfig(scale);
  const reconciler = await ReconcilerChild.spawn({ dir, source: 'pushed' });
  const fleet = new StatsFleet(proxyWorkloads(params.proxies, scale), scale, {
    target: `127.0.0.1:${reconciler.xdsPort}`, intervalMs: FLUSH_INTERVAL_MS, clustersPerProxy: params.clustersPerProxy, channels: 10,
  });
  try {
    await sleep(2000);
    const idleCpuStart = reconciler.cpuSeconds();
    await sleep(IDLE_SECONDS * 1000);
    const idleCores = (reconciler.cpuSeconds() - idleCpuStart) / IDLE_SECONDS;
    const rssBefore = reconciler.rssMiB();
    fleet.start();
    await sleep(params.warmupSeconds * 1000);
    const cpuStart = reconciler.cpuSeconds();
    const wallStart = performance.now();
    const flushesStart = fleet.flushesSent;
    // RSS moves with the garbage collector's rhythm: the median of one sample per second.
    const rssSamples: number[] = [];
    for (let second = 0; second < params.seconds; second += 1) {
      await sleep(1000);
      rssSamples.push(reconciler.rssMiB());
    }
    const cpuSeconds = reconciler.cpuSeconds() - cpuStart;
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const flushes = fleet.flushesSent - flushesStart;
    const rssAfter = percentile(rssSamples.sort((a, b) => a - b), 50);
    const timings: TelemetryTimings[] = [];
    for (let query = 0; query < QUERIES; query += 1) timings.push(await reconciler.timeTelemetry(QUERY_WINDOW_MS));
    const queryMs = timings.map((timing) => timing.edgeQueryMs).sort((a, b) => a - b);
    const queryCpuMs = timings.map((timing) => timing.edgeQueryCpuMs).sort((a, b) => a - b);
    const renderMs = timings.map((timing) => timing.metricsRenderMs).sort((a, b) => a - b);
    // The first graph also builds the declared view of the config, cached until the next push.
    const graphMs = timings.map((timing) => timing.graphBuildMs).sort((a, b) => a - b);
    const last = timings[timings.length - 1];
    return {
      figure: 'telemetry',
      params: { ...params },
      measurements: {
        reconcilerCores: { value: cpuSeconds / wallSeconds, unit: 'cores' },
        extraRss: { value: rssAfter - rssBefore, unit: 'MiB' },
        edgeQueryMs: { value: percentile(queryMs, 50), unit: 'ms' },
        metricsRenderMs: { value: percentile(renderMs, 50), unit: 'ms' },
        graphBuildMs: { value: percentile(graphMs, 50), unit: 'ms' },
      },
      notes: {
        idleCores: Math.round(idleCores * 1000) / 1000, statsPerFlush: fleet.statsPerFlush, flushesPerSecond: Math.round(flushes / wallSeconds), flushesReceived: last.flushes,
        edges: last.edges, series: last.series, istioSeries: last.istioSeries, metricsBytes: last.metricsBytes,
        rssBeforeMiB: Math.round(rssBefore), rssMaxMiB: Math.round(rssSamples[rssSamples.length - 1]),
        graphBuildCpuMs: Math.round(percentile(timings.map((timing) => timing.graphBuildCpuMs).sort((a, b) => a - b), 50)),
        graphFreshMs: Math.round(percentile(timings.map((timing) => timing.graphFreshMs).sort((a, b) => a - b), 50)),
        graphFreshCpuMs: Math.round(percentile(timings.map((timing) => timing.graphFreshCpuMs).sort((a, b) => a - b), 50)),
        graphNodes: last.graphNodes, graphEdges: last.graphEdges, graphFirstBuildMs: Math.round(timings[0].graphBuildMs),
        edgeQueryMaxMs: Math.round(queryMs[queryMs.length - 1]), edgeQueryCpuMs: Math.round(percentile(queryCpuMs, 50)),
        loadAverage: os.loadavg()[0].toFixed(1),
      },
    };
  } finally {
    fleet.close();
    await reconciler.stop();
    removeDir(dir);
  }
}
