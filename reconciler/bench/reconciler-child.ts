/**
 * The reconciler in its own process, so its memory and CPU can be measured apart from the simulated
 * proxies. `ReconcilerChild.spawn()` forks this file; the child reports its port over IPC and, with
 * the pushed source, takes file replacements over IPC.
 */
import { ChildProcess, fork } from 'child_process';
import { BenchReconcilerOptions, PushedFilesSource, startBenchReconciler } from './bench-reconciler';
import { cpuSeconds, peakRssMiB, rssMiB } from './proc-stats';
import type { Reconciler } from '../src/reconciler';

type ToChild = { kind: 'replace'; file: string; text: string } | { kind: 'time-telemetry'; windowMs: number };
type FromChild = { kind: 'ready'; xdsPort: number; opsPort?: number } | { kind: 'failed'; message: string } | ({ kind: 'telemetry-timed' } & TelemetryTimings);

/** How long the child's telemetry takes to answer, measured inside it (no IPC or HTTP in the figure). */
export interface TelemetryTimings {
  /** One `edges()` query of the store over the window: wall time, and the process' CPU time meanwhile. */
  readonly edgeQueryMs: number;
  readonly edgeQueryCpuMs: number;
  /** Rendering `/metrics` (the reconciler's own and Istio's metrics). */
  readonly metricsRenderMs: number;
  /** Building the observatory's whole-mesh graph (what `/api/graph` answers) over the window. */
  readonly graphBuildMs: number;
  readonly graphBuildCpuMs: number;
  /** The same graph with the telemetry merged anew (`freshGraph`): a request that finds no shared merge. */
  readonly graphFreshMs: number;
  readonly graphFreshCpuMs: number;
  readonly graphNodes: number;
  readonly graphEdges: number;
  readonly edges: number;
  readonly series: number;
  readonly istioSeries: number;
  readonly metricsBytes: number;
  readonly flushes: number;
}

export class ReconcilerChild {
  private exited = false;

  private constructor(private readonly child: ChildProcess, readonly xdsPort: number, readonly opsPort: number | undefined) {
    child.once('exit', () => {
      this.exited = true;
    });
  }

  /** Forks a reconciler and resolves once it serves xDS (the first config is loaded by then). */
  static spawn(options: BenchReconcilerOptions): Promise<ReconcilerChild> {
    // BENCH_CHILD_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the reconciler alone.
    const execArgv = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = fork(__filename, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`bench reconciler exited with ${code} before serving`)));
      child.once('message', (message: FromChild) => {
        if (message.kind === 'ready') resolve(new ReconcilerChild(child, message.xdsPort, message.opsPort));
        else if (message.kind === 'failed') reject(new Error(`bench reconciler failed to start: ${message.message}`));
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  peakRssMiB(): number {
    return peakRssMiB(this.pid);
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  rssMiB(): number {
    return rssMiB(this.pid);
  }

  /** Replaces one file's text in a child started with the pushed source. */
  replace(file: string, text: string): void {
    this.child.send({ kind: 'replace', file, text } satisfies ToChild);
  }

  /** Times the child's telemetry store query and metrics rendering once. */
  timeTelemetry(windowMs: number): Promise<TelemetryTimings> {
    return new Promise((resolve) => {
      const onMessage = (message: FromChild) => {
        if (message.kind !== 'telemetry-timed') return;
        this.child.off('message', onMessage);
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.send({ kind: 'time-telemetry', windowMs } satisfies ToChild);
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

async function runChild(options: BenchReconcilerOptions): Promise<void> {
  try {
    const { reconciler, xdsPort, opsPort, source } = await startBenchReconciler(options);
    process.on('message', (message: ToChild) => {
      if (message.kind === 'replace' && source instanceof PushedFilesSource) source.replace(message.file, message.text);
      if (message.kind === 'time-telemetry') process.send!({ kind: 'telemetry-timed', ...timeTelemetry(reconciler, message.windowMs) } satisfies FromChild);
    });
    process.once('SIGTERM', () => {
      reconciler.stop().then(() => process.exit(0), () => process.exit(1));
    });
    process.send!({ kind: 'ready', xdsPort, opsPort } satisfies FromChild);
  } catch (error) {
    process.send!({ kind: 'failed', message: (error as Error).message } satisfies FromChild);
    process.exit(1);
  }
}

function timeTelemetry(reconciler: Reconciler, windowMs: number): TelemetryTimings {
  const queryStarted = performance.now();
  const cpuStarted = process.cpuUsage();
  const edges = reconciler.telemetry.store.edges({ windowMs });
  const cpu = process.cpuUsage(cpuStarted);
  const edgeQueryMs = performance.now() - queryStarted;
  const edgeQueryCpuMs = (cpu.user + cpu.system) / 1000;
  const renderStarted = performance.now();
  const metrics = reconciler.telemetry.renderMetrics();
  const metricsRenderMs = performance.now() - renderStarted;
  const graphStarted = performance.now();
  const graphCpuStarted = process.cpuUsage();
  const graph = reconciler.observatory.graph({ windowMs });
  const graphCpu = process.cpuUsage(graphCpuStarted);
  const graphBuildMs = performance.now() - graphStarted;
  const freshStarted = performance.now();
  const freshCpuStarted = process.cpuUsage();
  reconciler.observatory.freshGraph({ windowMs });
  const freshCpu = process.cpuUsage(freshCpuStarted);
  const graphFreshMs = performance.now() - freshStarted;
  return {
    graphBuildMs, graphBuildCpuMs: (graphCpu.user + graphCpu.system) / 1000, graphNodes: graph.nodes.length, graphEdges: graph.edges.length,
    graphFreshMs, graphFreshCpuMs: (freshCpu.user + freshCpu.system) / 1000,
    edgeQueryMs, edgeQueryCpuMs, metricsRenderMs, edges: edges.length, series: reconciler.telemetry.store.seriesCount,
    istioSeries: reconciler.telemetry.store.istio.size, metricsBytes: metrics.reduce((bytes, chunk) => bytes + chunk.length, 0), flushes: reconciler.telemetry.store.counters.flushes,
  };
}

if (require.main === module) {
  void runChild(JSON.parse(process.argv[2]) as BenchReconcilerOptions);
}
