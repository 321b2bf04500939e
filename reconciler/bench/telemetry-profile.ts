/**
 * Figure 8's queries without its fleet: the same mesh and the same flushes, fed straight into the
 * reconciler's telemetry store on a simulated clock (seconds of history in a few seconds), then the
 * edge query and the whole-mesh graph (merged anew, `freshGraph`) timed in this process. For profiling the query path alone:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof telemetry-profile.js [--services N] [--proxies N] [--seconds S] [--metrics between|after|no]
 * Prints one JSON line of medians. The figure itself (`bench/run.sh telemetry`) stays the measurement.
 */
import { parseArgs } from 'util';
import { parseProxyIdentity } from '../src/push/proxy-identity';
import { decodeStreamMetricsMessage, encodeStreamMetricsMessage } from '../src/telemetry/metrics-wire';
import { startBenchReconciler } from './bench-reconciler';
import { percentile, proxyWorkloads, removeDir } from './figures/figure';
import { writeMeshConfig } from './mesh-config';
import { sidecarNode } from './sim/proxy-fleet';
import { sidecarFlushMetrics } from './sim/stats-fleet';

const FLUSH_INTERVAL_MS = 5000;
const QUERY_WINDOW_MS = 5 * 60_000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: Object.fromEntries(['services', 'proxies', 'clusters', 'seconds', 'queries', 'metrics'].map((name) => [name, { type: 'string' as const }])) });
  const services = Number(values.services ?? 1000);
  const proxies = Number(values.proxies ?? 1000);
  const clusters = Number(values.clusters ?? 5);
  const historyMs = Number(values.seconds ?? 90) * 1000;
  const queries = Number(values.queries ?? 7);
  const withMetrics = values.metrics ?? 'between';
  const scale = { services };
  const dir = writeMeshConfig(scale);
  const { reconciler } = await startBenchReconciler({ dir, source: 'pushed' });
  try {
    const store = reconciler.telemetry.store;
    const workloads = proxyWorkloads(proxies, scale);
    // Encoded and decoded once, as the reconciler decodes each message it receives.
    const streams = workloads.map((workload) => {
      const node = sidecarNode(workload);
      const bytes = encodeStreamMetricsMessage({ node, metrics: sidecarFlushMetrics(workload, scale, clusters) });
      return { identity: parseProxyIdentity(node), bytes, stream: undefined as ReturnType<typeof store.openStream> | undefined };
    });
    const start = Date.now() - historyMs;
    const ingestStarted = performance.now();
    for (let round = 0; round * FLUSH_INTERVAL_MS < historyMs; round += 1) {
      streams.forEach((entry, index) => {
        const at = start + round * FLUSH_INTERVAL_MS + Math.floor((index * FLUSH_INTERVAL_MS) / streams.length);
        entry.stream ??= store.openStream(entry.identity, at);
        entry.stream.record(decodeStreamMetricsMessage(entry.bytes, entry.stream.filter).metrics, at);
      });
    }
    const ingestMs = performance.now() - ingestStarted;
    const edgeMs: number[] = [];
    const graphMs: number[] = [];
    const graphCpuMs: number[] = [];
    const edgeCpuMs: number[] = [];
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    let edges = 0;
    let graphEdges = 0;
    for (let query = 0; query < queries; query += 1) {
      const edgeStarted = performance.now();
      const edgeCpuStarted = process.cpuUsage();
      edges = store.edges({ windowMs: QUERY_WINDOW_MS }).length;
      edgeCpuMs.push(cpuMs(edgeCpuStarted));
      edgeMs.push(performance.now() - edgeStarted);
      if (withMetrics === 'between') reconciler.telemetry.renderMetrics();
      const graphStarted = performance.now();
      const graphCpuStarted = process.cpuUsage();
      graphEdges = reconciler.observatory.freshGraph({ windowMs: QUERY_WINDOW_MS }).edges.length;
      graphCpuMs.push(cpuMs(graphCpuStarted));
      graphMs.push(performance.now() - graphStarted);
      if (withMetrics === 'after') reconciler.telemetry.renderMetrics();
    }
    const median = (samples: number[]) => Math.round(percentile([...samples].sort((a, b) => a - b), 50) * 10) / 10;
    process.stdout.write(`${JSON.stringify({
      ingestMs: Math.round(ingestMs), series: store.seriesCount, edges, graphEdges,
      edgeQueryMs: median(edgeMs), edgeQueryCpuMs: median(edgeCpuMs), graphBuildMs: median(graphMs), graphBuildCpuMs: median(graphCpuMs.slice(1)),
      graphFirstBuildMs: Math.round(graphMs[0]),
      edgeQuerySamples: edgeMs.map(Math.round), graphSamples: graphMs.map(Math.round),
    })}\n`);
  } finally {
    await reconciler.stop();
    removeDir(dir);
  }
}

main().then(() => process.exit(0), (error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
