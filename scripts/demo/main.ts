/**
 * `npm run demo`: Bookinfo on loopback with the reconciler, real Envoy sidecars and small HTTP
 * backends; steady traffic from productpage's sidecar to reviews, a report every 2 s of what the
 * mesh does, and live changes written to the config directory (a canary step, then a fault for
 * one user). Ctrl-C (or `--duration`) stops every process it started.
 *
 *   npm run demo -- [--phase-seconds 20] [--duration <seconds>] [--rate 50]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { DemoMeshState, FAULT_STATUS, FAULTED_USER, synthesizeDemoMesh, USER_HEADER } from './demo-mesh';
import { ReconcilerProcess } from './reconciler-process';
import { reportedEdge } from './reported-traffic';
import { SteadyTraffic, TrafficTally } from './steady-traffic';
import { EnvoySidecar } from '../../reconciler/test/support/envoy';
import { uniqueLoopbackAddress } from '../../reconciler/test/support/ports';
import { STARTUP_DEADLINE_MS, waitUntil } from '../../reconciler/test/support/wait';
import { instanceLabels, loopbackPlacement, PlacedInstance } from '../../test/e2e/harness/loopback-placement';
import { RunningBackend, startRecordingBackend } from '../../test/e2e/harness/recording-backend';
import { meshConfigIn, servicesIn } from '../../test/e2e/harness/synth';

const NAMESPACE = 'bookinfo';
/** productpage is the caller: the demo's traffic leaves through its sidecar, as its requests would. */
const CALLER = 'productpage';
const TARGET_SERVICE = 'reviews';
const SERVICE_PORT = 9080;
/** The Bookinfo workloads placed on loopback, each behind its own sidecar. */
const WORKLOADS: ReadonlyArray<{ service: string; version: string }> = [
  { service: 'details', version: 'v1' },
  { service: 'reviews', version: 'v1' },
  { service: 'reviews', version: 'v2' },
  { service: 'reviews', version: 'v3' },
  { service: 'ratings', version: 'v1' },
];
const REPORT_INTERVAL_MS = 2000;
/** Sidecars report every 5 s: a shorter telemetry window may hold no complete report. */
const TELEMETRY_WINDOW_MIN_SECONDS = 20;
/** One request in ten is the signed-in user the fault targets. */
const USER_EVERY = 10;

interface DemoOptions {
  readonly phaseSeconds: number;
  readonly durationSeconds?: number;
  readonly ratePerSecond: number;
}

interface Phase {
  readonly title: string;
  readonly state: DemoMeshState;
}

const PHASES: readonly Phase[] = [
  { title: 'canary: reviews v2 takes 10 %', state: { canaryWeight: 10, faultForUser: false } },
  { title: 'canary step: reviews v2 10 % → 50 %', state: { canaryWeight: 50, faultForUser: false } },
  { title: `fault: reviews answers HTTP ${FAULT_STATUS} to ${USER_HEADER}: ${FAULTED_USER}`, state: { canaryWeight: 50, faultForUser: true } },
];

function parseOptions(argv: readonly string[]): DemoOptions {
  const values: Record<string, number> = {};
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    const name = { '--phase-seconds': 'phaseSeconds', '--duration': 'durationSeconds', '--rate': 'ratePerSecond' }[flag];
    if (!name) throw new Error(`unknown option '${flag}'; options: --phase-seconds <s> (default 20), --duration <s> (default: until Ctrl-C), --rate <requests/s> (default 50)`);
    const number = Number(value);
    if (!(number > 0)) throw new Error(`${flag} '${value ?? ''}' is not a positive number of ${flag === '--rate' ? 'requests per second' : 'seconds'}; e.g. ${flag} 10`);
    values[name] = number;
  }
  return { phaseSeconds: values.phaseSeconds ?? 20, durationSeconds: values.durationSeconds, ratePerSecond: values.ratePerSecond ?? 50 };
}

function percent(value: number): string {
  return `${value.toFixed(1)} %`;
}

function split(tally: TrafficTally): string {
  return ['v1', 'v2', 'v3'].map((version) => `${version} ${percent(tally.share(version))}`).join(' / ');
}

class Demo {
  private readonly workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-demo-'));
  private readonly configDir = path.join(this.workDir, 'config');
  private readonly meshFile = path.join(this.configDir, 'bookinfo.yaml');
  private readonly backends: RunningBackend[] = [];
  private readonly envoys: EnvoySidecar[] = [];
  private reconciler: ReconcilerProcess | undefined;
  private traffic: SteadyTraffic | undefined;
  private stopping: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: DemoOptions) {
    fs.mkdirSync(this.configDir);
  }

  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  async run(): Promise<void> {
    const clientAddress = await this.startMesh();
    if (this.stopped) return;
    const caller = this.envoys.find((envoy) => envoy.node.name === CALLER)!;
    this.printBanner(caller);

    this.traffic = new SteadyTraffic({
      target: { address: clientAddress, port: SERVICE_PORT, host: `${TARGET_SERVICE}.${NAMESPACE}.svc.cluster.local` },
      ratePerSecond: this.options.ratePerSecond,
      userEvery: USER_EVERY,
      userHeader: USER_HEADER,
      user: FAULTED_USER,
    });
    this.traffic.start();
    const started = Date.now();
    const deadline = this.options.durationSeconds === undefined ? Infinity : started + this.options.durationSeconds * 1000;
    const reporter = this.startReporting(started);
    try {
      for (const [index, phase] of PHASES.entries()) {
        if (this.stopped || Date.now() >= deadline) break;
        if (index > 0) await this.apply(phase);
        if (this.stopped) break;
        console.log(`\n▶ phase ${index + 1}: ${phase.title}`);
        const tally = this.traffic.tally();
        await this.sleep(Math.min(this.options.phaseSeconds * 1000, deadline - Date.now()));
        this.traffic.release(tally);
        if (this.stopped) break;
        console.log(`■ phase ${index + 1} summary: ${tally.requests} requests to ${TARGET_SERVICE}, ${tally.answered} answered: ${split(tally)}, `
          + `errors ${percent(tally.errorRate)}, ${FAULTED_USER} ${tally.userFailures} of ${tally.userRequests} failed`);
        await this.printReportedTraffic(Math.min(Math.max(this.options.phaseSeconds, TELEMETRY_WINDOW_MIN_SECONDS), 900));
      }
      if (!this.stopped && deadline === Infinity) console.log('\nAll changes applied; the mesh keeps running. Ctrl-C stops it.');
      await this.sleep(deadline - Date.now());
    } finally {
      clearInterval(reporter);
    }
  }

  /** Stops traffic, sidecars, backends and the reconciler. Idempotent; a start under way stops what it started itself. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.wakeUp?.();
      await this.traffic?.stop();
      await Promise.allSettled([...this.envoys.map((envoy) => envoy.stop()), ...this.backends.map((backend) => backend.close())]);
      await this.reconciler?.stop();
    })();
    return this.stopping;
  }

  /** Once `run()` has settled and `stop()` has finished, nothing writes to the work directory any more. */
  removeWorkDir(): void {
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }

  /** Synthesizes Bookinfo, places it on loopback and starts everything; returns the caller's address. */
  private async startMesh(): Promise<string> {
    console.log('Synthesizing examples/bookinfo with a canary for reviews…');
    const yaml = synthesizeDemoMesh(PHASES[0].state);
    const services = servicesIn(yaml);
    const meshConfigFile = path.join(this.workDir, 'mesh-config.yaml');
    fs.writeFileSync(this.meshFile, yaml);
    fs.writeFileSync(meshConfigFile, meshConfigIn(yaml));

    const placed: PlacedInstance[] = [];
    for (const workload of WORKLOADS) {
      const name = `${workload.service}-${workload.version}-0`;
      const address = uniqueLoopbackAddress();
      const backend = await startRecordingBackend({ ...workload, instance: name }, address);
      this.backends.push(backend);
      if (this.stopped) await backend.close();
      placed.push({ ...workload, namespace: NAMESPACE, name, address, appPort: backend.port, serverSidecar: true });
    }
    const client = { name: CALLER, namespace: NAMESPACE, address: uniqueLoopbackAddress() };
    const placement = loopbackPlacement(services, placed, [client]);
    fs.writeFileSync(path.join(this.configDir, 'loopback-placement.yaml'), placement.map((object) => stringify(object)).join('---\n'));

    if (this.stopped) return client.address;
    console.log('Starting the reconciler (directory mode) and 6 Envoy sidecars on loopback…');
    this.reconciler = await ReconcilerProcess.start(this.configDir, meshConfigFile, this.workDir, () => this.stopped);
    // stop() may have run while it started, before there was a reconciler to stop.
    if (this.stopped) {
      await this.reconciler.stop();
      return client.address;
    }
    const xdsPort = this.reconciler.xdsPort;
    const sidecars = [
      ...placed.map((instance) => ({ name: instance.name, address: instance.address, app: instance.service, labels: { version: instance.version } })),
      { name: CALLER, address: client.address, app: CALLER, labels: { version: 'v1' } },
    ];
    await Promise.all(sidecars.map(async (sidecar) => {
      const envoy = await EnvoySidecar.start({
        xdsPort, instanceIp: sidecar.address, name: sidecar.name, namespace: NAMESPACE,
        labels: instanceLabels(sidecar.app, sidecar.name, sidecar.labels), serviceAccount: sidecar.app,
      });
      this.envoys.push(envoy);
      if (this.stopped) await envoy.stop();
    }));
    if (this.stopped) return client.address;
    const callerEnvoy = this.envoys.find((envoy) => envoy.node.name === CALLER)!;
    await callerEnvoy.waitForConfig({ listeners: [`${client.address}_${SERVICE_PORT}`] });
    await this.waitUntilAcked();
    return client.address;
  }

  private printBanner(caller: EnvoySidecar): void {
    const ops = this.reconciler!.opsUrl;
    console.log([
      '',
      `Mesh running. Config directory (edit it and the reconciler applies the change): ${this.configDir}`,
      `  observatory   ${ops}/ui   (live graph, services, validations)`,
      `  debug         ${ops}/debug/syncz   ${ops}/debug/config_dump?proxy=${encodeURIComponent(caller.node.id)}`,
      `                ${ops}/debug/traffic?window=60s   ${ops}/debug/rejected   ${ops}/metrics`,
      `  envoy admin   http://${caller.adminAddress}:${caller.adminPort}/ (${CALLER}'s sidecar)`,
      `  logs          ${this.reconciler!.logFile}`,
      `Traffic: ${this.options.ratePerSecond} requests/s from ${CALLER} to ${TARGET_SERVICE}, one in ${USER_EVERY} as ${USER_HEADER}: ${FAULTED_USER}. Ctrl-C stops everything.`,
    ].join('\n'));
  }

  private startReporting(started: number): NodeJS.Timeout {
    let window = this.traffic!.tally();
    return setInterval(() => {
      const done = window;
      window = this.traffic!.tally();
      this.traffic!.release(done);
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`${String(seconds).padStart(4)} s  ${TARGET_SERVICE} ${split(done)}  ·  ${Math.round(done.requests / (REPORT_INTERVAL_MS / 1000))} req/s`
        + `  ·  errors ${percent(done.errorRate)}  ·  p99 ${Math.round(done.p99Ms)} ms  ·  ${FAULTED_USER} ${done.userFailures} of ${done.userRequests} failed`);
    }, REPORT_INTERVAL_MS);
  }

  /** The same edge as the reconciler's telemetry saw it: what an operator or the observatory reads. */
  private async printReportedTraffic(windowSeconds: number): Promise<void> {
    const edges = await this.reconciler!.trafficEdges(Math.max(1, windowSeconds)).catch((error: Error) => error);
    if (edges instanceof Error) {
      console.log(`  reconciler telemetry unavailable: ${edges.message}`);
      return;
    }
    const edge = reportedEdge(edges, CALLER, TARGET_SERVICE);
    if (!edge) {
      console.log(`  reconciler telemetry: no ${CALLER} → ${TARGET_SERVICE} report yet (sidecars flush their stats every 5 s)`);
      return;
    }
    const rates = Object.entries(edge.ratesByVersion).sort(([a], [b]) => a.localeCompare(b))
      .map(([version, rate]) => `${version} ${rate.toFixed(1)} req/s`).join(' / ');
    console.log(`  reconciler telemetry (last ${windowSeconds} s, from the sidecars' Envoy stats): ${CALLER} → ${TARGET_SERVICE} ${rates}, 5xx ${percent(edge.errorPercent)}`);
  }

  /** Writes the phase's mesh into the config directory and waits until every sidecar runs it. */
  private async apply(phase: Phase): Promise<void> {
    const reconciler = this.reconciler!;
    const applied = Date.now();
    const loadsBefore = await reconciler.configLoads();
    // Write then rename, so the reconciler never reads a half-written file.
    fs.writeFileSync(`${this.meshFile}.tmp`, synthesizeDemoMesh(phase.state));
    fs.renameSync(`${this.meshFile}.tmp`, this.meshFile);
    console.log(`\n→ ${phase.title}: re-synthesized and wrote ${this.meshFile}`);
    await waitUntil('the reconciler to load the new config', async () => this.stopped || (await reconciler.configLoads()) > loadsBefore, STARTUP_DEADLINE_MS, 25);
    await this.waitUntilAcked();
    if (!this.stopped) console.log(`→ every sidecar runs it ${Date.now() - applied} ms after the write`);
  }

  private async waitUntilAcked(): Promise<void> {
    const ids = this.envoys.map((envoy) => envoy.node.id);
    await waitUntil('every sidecar to ACK its config', async () => this.stopped || reconcilerAcked(this.reconciler!, ids), STARTUP_DEADLINE_MS, 50);
  }

  /** Waits `ms` (at most), or until the demo stops. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.min(ms, 2 ** 31 - 1));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

async function reconcilerAcked(reconciler: ReconcilerProcess, ids: readonly string[]): Promise<boolean> {
  return reconciler.allAcked(ids).catch(() => false);
}

async function main(): Promise<void> {
  let options: DemoOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const demo = new Demo(options);
  const shutDown = (signal: string) => {
    if (!demo.stopped) console.log(`\n${signal}: stopping the sidecars, backends and the reconciler…`);
    void demo.stop();
  };
  process.on('SIGINT', () => shutDown('Ctrl-C'));
  process.on('SIGTERM', () => shutDown('SIGTERM'));
  let status = 0;
  try {
    await demo.run();
  } catch (error) {
    if (!demo.stopped) {
      console.error(`demo failed: ${(error as Error).message}`);
      status = 1;
    }
  }
  await demo.stop();
  demo.removeWorkDir();
  console.log('Stopped; no process left running.');
  process.exit(status);
}

void main();
