/**
 * One end-to-end scenario: the mesh declared with the constructs and synthesized, its workloads
 * placed on loopback (backends, WorkloadEntries, Sidecars), the reconciler serving the directory,
 * real Envoy sidecars for the callers (and optionally for every instance), and traffic helpers.
 * Everything started is stopped by `stop()`; after a failure inside `run()` the logs are kept
 * and their paths are part of the failure message.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { ControlPlane } from './control-plane';
import { configLoads, waitForConvergence } from './convergence';
import { startGreeterBackend } from './grpc-greeter';
import { instanceLabels, loopbackPlacement, PlacedClient, PlacedInstance, SynthesizedService } from './loopback-placement';
import { RunningBackend, startRecordingBackend } from './recording-backend';
import type { ClientSpec, MeshScenarioOptions, WorkloadSpec } from './scenario-types';
import { synthesizeMesh } from './synth';
import { KeepAliveClient, MeshRequest, MeshResponse, ResolvedTarget, sendMany, SendManyOptions, TrafficSummary } from './traffic';
import { EnvoySidecar } from '../../../reconciler/test/support/envoy';
import { uniqueLoopbackAddress } from '../../../reconciler/test/support/ports';
import { STARTUP_DEADLINE_MS, waitUntil } from '../../../reconciler/test/support/wait';

const MESH_FILE = 'mesh.yaml';
const PLACEMENT_FILE = 'loopback-placement.yaml';
/** Outside the config directory: it is the reconciler's settings, not a mesh object. */
const MESH_CONFIG_FILE = 'mesh-config.yaml';
const CLUSTER_DOMAIN = 'cluster.local';

/** A caller with its Envoy sidecar. */
interface RunningClient extends PlacedClient {
  readonly envoy: EnvoySidecar;
  readonly http: KeepAliveClient;
}

/** Anything a scenario starts besides Envoys, backends and the reconciler (e.g. proxyless gRPC parts). */
export interface ScenarioResource {
  readonly description: string;
  stop(): Promise<void> | void;
}

// Real processes take a while to start; a test file may override this.
jest.setTimeout(120_000);

/**
 * Every scenario of the test file, including ones still starting. When a `beforeAll` times out
 * its scenario keeps starting unseen, so the file's last hook waits for it and stops it: a
 * leaked Envoy or reconciler would keep jest from exiting.
 */
const scenariosOfFile = new Set<Promise<MeshScenario | undefined>>();
afterAll(async () => {
  const scenarios = await Promise.all(scenariosOfFile);
  await Promise.allSettled(scenarios.map((scenario) => scenario?.stop()));
});

export async function startMeshScenario(options: MeshScenarioOptions): Promise<MeshScenario> {
  const scenario = new MeshScenario(options);
  const started = scenario.start().then(() => scenario, async (error: Error) => {
    throw await scenario.failAndStop(error);
  });
  scenariosOfFile.add(started.catch(() => undefined));
  return started;
}

export class MeshScenario {
  readonly workDir: string;
  readonly configDir: string;
  private services: SynthesizedService[] = [];
  private readonly backendsByInstance = new Map<string, RunningBackend>();
  private readonly placed: PlacedInstance[] = [];
  private readonly serverProxies = new Map<string, EnvoySidecar>();
  private readonly clients = new Map<string, RunningClient>();
  private readonly extraResources: ScenarioResource[] = [];
  private readonly extraProxyIds: string[] = [];
  private control: ControlPlane | undefined;
  private failed = false;
  private stopped = false;

  constructor(private readonly options: MeshScenarioOptions) {
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), `mesh-e2e-${options.name}-`));
    this.configDir = path.join(this.workDir, 'config');
    fs.mkdirSync(this.configDir);
  }

  /** The reconciler's mesh settings, as synthesized from the scenario's Mesh props. */
  get meshConfigFile(): string {
    return path.join(this.workDir, MESH_CONFIG_FILE);
  }

  /** The reconciler, for ops reads, kill and restart. */
  get reconciler(): ControlPlane {
    if (!this.control) throw new Error('the scenario has not started');
    return this.control;
  }

  /** @internal called by startMeshScenario */
  async start(): Promise<void> {
    const synthesized = synthesizeMesh(this.options.build, this.options.meshProps);
    this.services = synthesized.services;
    fs.writeFileSync(path.join(this.configDir, MESH_FILE), synthesized.yaml);
    fs.writeFileSync(this.meshConfigFile, synthesized.meshConfig);

    for (const workload of this.options.workloads) {
      for (let index = 0; index < (workload.instances ?? 1); index += 1) {
        this.placed.push(await this.placeInstance(workload, index));
      }
    }
    const clientSpecs = this.options.clients ?? [];
    const placedClients = clientSpecs.map((spec) => ({ name: spec.name, namespace: spec.namespace ?? 'default', address: uniqueLoopbackAddress() }));
    const placement = loopbackPlacement(this.services, this.placed, placedClients);
    fs.writeFileSync(path.join(this.configDir, PLACEMENT_FILE), placement.map((object) => stringify(object)).join('---\n'));

    if (this.options.reconcilerArgs && this.options.reconciler !== 'child') throw new Error(`scenario ${this.options.name}: reconcilerArgs need reconciler: 'child'`);
    this.control = await ControlPlane.start(this.options.reconciler ?? 'in-process', this.configDir, this.meshConfigFile, this.options.reconcilerArgs);
    await Promise.all([
      ...this.placed.filter((instance) => instance.serverSidecar).map(async (instance) => {
        this.serverProxies.set(instance.name, await EnvoySidecar.start({
          xdsPort: this.control!.xdsPort,
          instanceIp: instance.address,
          name: instance.name,
          namespace: instance.namespace,
          labels: instanceLabels(instance.service, instance.name, { version: instance.version }),
          serviceAccount: instance.service,
          statsFlushIntervalMs: this.options.statsFlushIntervalMs,
        }));
      }),
      ...placedClients.map(async (client, index) => {
        const spec: ClientSpec = clientSpecs[index];
        const envoy = await EnvoySidecar.start({
          xdsPort: this.control!.xdsPort,
          instanceIp: client.address,
          name: client.name,
          namespace: client.namespace,
          labels: instanceLabels(client.name, client.name, spec.labels),
          serviceAccount: spec.serviceAccount ?? client.name,
          statsFlushIntervalMs: this.options.statsFlushIntervalMs,
        });
        this.clients.set(client.name, { ...client, envoy, http: new KeepAliveClient() });
      }),
    ]);
    await this.waitUntilServed();
  }

  /** Envoy node ids of every sidecar, plus proxies registered by extensions. */
  proxyIds(): string[] {
    return [...this.envoys()].map((envoy) => envoy.node.id).concat(this.extraProxyIds);
  }

  /** Registers something the scenario started (stopped with it) and, for xDS clients, its node id. */
  adopt(resource: ScenarioResource, proxyId?: string): void {
    this.extraResources.push(resource);
    if (proxyId) this.extraProxyIds.push(proxyId);
  }

  /** The Envoy of a client or of an instance (e.g. `reviews-v1-0`). */
  proxy(name: string): EnvoySidecar {
    const envoy = this.clients.get(name)?.envoy ?? this.serverProxies.get(name);
    if (!envoy) throw new Error(`no proxy '${name}'; proxies: ${[...this.clients.keys(), ...this.serverProxies.keys()].join(', ')}`);
    return envoy;
  }

  /** The running backends of a service (optionally one version), in placement order. */
  backends(service: string, version?: string): RunningBackend[] {
    return this.placed.filter((instance) => instance.service === service && (version === undefined || instance.version === version))
      .map((instance) => this.backendsByInstance.get(instance.name)!)
      .filter((backend) => backend !== undefined);
  }

  /** Where a caller's request for a service goes: its egress listener and the service's FQDN. */
  target(from: string, request: Pick<MeshRequest, 'service' | 'host' | 'port'>): ResolvedTarget {
    const client = this.clients.get(from);
    if (!client) throw new Error(`no client '${from}'; clients: ${[...this.clients.keys()].join(', ') || 'none'}`);
    const service = request.service === undefined ? undefined : this.serviceNamed(request.service, client.namespace);
    const port = request.port ?? service?.ports[0]?.port;
    if (port === undefined) throw new Error(`request from ${from} names neither a service nor a port: ${JSON.stringify(request)}`);
    const host = request.host ?? (service ? `${service.name}.${service.namespace}.svc.${CLUSTER_DOMAIN}` : undefined);
    if (!host) throw new Error(`request from ${from} needs a service or host: ${JSON.stringify(request)}`);
    return { address: client.address, port, host };
  }

  request(from: string, request: MeshRequest): Promise<MeshResponse> {
    return this.clients.get(from)?.http.send(this.target(from, request), request)
      ?? Promise.reject(new Error(`no client '${from}'`));
  }

  /** `count` requests (built per index by `request` when it is a function), summarised. */
  sendMany(count: number, from: string, request: MeshRequest | ((index: number) => MeshRequest), options?: SendManyOptions): Promise<TrafficSummary> {
    const build = typeof request === 'function' ? request : () => request;
    return sendMany(count, (index) => this.request(from, build(index)), options);
  }

  /** A proxy's Envoy stats as name → value (counters and gauges). */
  async envoyStats(proxy: string): Promise<Record<string, number>> {
    const json = JSON.parse(await this.proxy(proxy).admin('/stats?format=json')) as { stats: { name?: string; value?: number }[] };
    return Object.fromEntries(json.stats.filter((stat) => stat.name !== undefined && typeof stat.value === 'number').map((stat) => [stat.name!, stat.value!]));
  }

  /**
   * What a proxy's HTTP fault filters injected so far, summed over its HTTP listeners: Envoy's own
   * `http.<stat_prefix>.fault.delays_injected` and `aborts_injected` counters. They count faults,
   * not latencies, so a delay timer firing a hair early or a slow machine cannot blur them.
   */
  async faultsInjected(proxy: string): Promise<{ delays: number; aborts: number }> {
    const stats = await this.envoyStats(proxy);
    const sum = (counter: string) => Object.entries(stats)
      .filter(([name]) => name.startsWith('http.') && name.endsWith(`.fault.${counter}`))
      .reduce((total, [, value]) => total + value, 0);
    return { delays: sum('delays_injected'), aborts: sum('aborts_injected') };
  }

  /** GET a reconciler ops path (`/debug/syncz`, `/debug/config_dump?proxy=…`) as JSON. */
  reconcilerOps<T = unknown>(pathAndQuery: string): Promise<T> {
    return this.reconciler.ops<T>(pathAndQuery);
  }

  /** Edits the synthesized objects in place (or returns replacements) and waits until every proxy runs the result. */
  async editConfig(edit: (objects: Record<string, any>[]) => Record<string, any>[] | void): Promise<void> {
    const file = path.join(this.configDir, MESH_FILE);
    const objects = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((document) => document.toJS() as Record<string, any>).filter(Boolean);
    const edited = edit(objects) ?? objects;
    await this.replaceMeshYaml(edited.map((object) => stringify(object)).join('---\n'));
  }

  /**
   * Re-synthesizes the mesh with another `build` (same placement and Mesh props) and waits until
   * every proxy runs it. Mesh settings are read at reconciler start, so they do not change here.
   */
  async rebuild(build: MeshScenarioOptions['build']): Promise<void> {
    await this.replaceMeshYaml(synthesizeMesh(build, this.options.meshProps).yaml);
  }

  /** Waits until every proxy ACKed its current config and every sidecar's listeners are active. */
  async waitUntilServed(timeoutMs = STARTUP_DEADLINE_MS): Promise<void> {
    await waitForConvergence(this.reconciler, this.proxyIds(), timeoutMs);
    await Promise.all([...this.clients.values()].map((client) => client.envoy.waitForConfig({
      listeners: this.egressPorts().map((port) => `${client.address}_${port}`),
    }, timeoutMs)));
    const servers = this.placed.filter((instance) => instance.serverSidecar);
    await Promise.all(servers.map((instance) => this.serverProxies.get(instance.name)!.waitForConfig({
      listeners: this.serviceNamed(instance.service, instance.namespace).ports.map((port) => `inbound|${instance.address}_${port.targetPort}`),
    }, timeoutMs)));
  }

  /**
   * Runs a test body; on failure marks the scenario failed (so `stop()` keeps the logs) and
   * rethrows with the paths of the kept logs and diagnostics appended.
   */
  async run(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      throw await this.withDiagnostics(error as Error);
    }
  }

  /** Stops everything this scenario started; keeps logs when a `run()` failed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const keep = this.failed;
    const results = await Promise.allSettled([
      ...this.extraResources.map(async (resource) => resource.stop()),
      ...[...this.clients.values()].map(async (client) => {
        client.http.close();
        await client.envoy.stop(keep);
      }),
      ...[...this.serverProxies.values()].map((envoy) => envoy.stop(keep)),
      ...[...this.backendsByInstance.values()].map((backend) => backend.close()),
    ]);
    await this.control?.stop();
    if (!keep) fs.rmSync(this.workDir, { recursive: true, force: true });
    const problems = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (problems.length > 0) throw new Error(`stopping scenario ${this.options.name}: ${problems.map((problem) => String(problem.reason)).join('; ')}`);
  }

  /** @internal called by startMeshScenario when starting failed */
  async failAndStop(error: Error): Promise<Error> {
    const reported = await this.withDiagnostics(error);
    await this.stop().catch(() => undefined);
    return reported;
  }

  private async withDiagnostics(error: Error): Promise<Error> {
    this.failed = true;
    const files = [
      path.join(this.configDir, MESH_FILE),
      path.join(this.configDir, PLACEMENT_FILE),
      this.meshConfigFile,
      ...(this.control ? await this.control.writeDiagnostics(this.workDir).catch(() => []) : []),
      ...[...this.envoys()].map((envoy) => envoy.logFile),
    ];
    error.message = `${error.message}\n[scenario ${this.options.name}] logs and config kept:\n  ${files.join('\n  ')}`;
    return error;
  }

  private async replaceMeshYaml(yaml: string): Promise<void> {
    const loadsBefore = await configLoads(this.reconciler);
    const file = path.join(this.configDir, MESH_FILE);
    // Write then rename, so the reconciler never reads a half-written file.
    fs.writeFileSync(`${file}.tmp`, yaml);
    fs.renameSync(`${file}.tmp`, file);
    await waitUntil('the reconciler to load the edited config', async () => (await configLoads(this.reconciler)) > loadsBefore, STARTUP_DEADLINE_MS, 25);
    await this.waitUntilServed();
  }

  private async placeInstance(workload: WorkloadSpec, index: number): Promise<PlacedInstance> {
    const namespace = workload.namespace ?? 'default';
    const name = `${workload.service}-${workload.version}-${index}`;
    const address = uniqueLoopbackAddress();
    const identity = { service: workload.service, version: workload.version, instance: name };
    const backend = workload.backend === 'grpc' ? await startGreeterBackend(identity, address) : await startRecordingBackend(identity, address);
    this.backendsByInstance.set(name, backend);
    return {
      service: workload.service,
      namespace,
      version: workload.version,
      name,
      address,
      appPort: backend.port,
      serverSidecar: workload.serverSidecar ?? this.options.serverSidecars ?? false,
    };
  }

  private serviceNamed(name: string, namespace: string): SynthesizedService {
    const found = this.services.find((service) => service.name === name && service.namespace === namespace)
      ?? this.services.find((service) => service.name === name);
    if (!found) throw new Error(`no synthesized Service '${name}'; services: ${this.services.map((service) => `${service.namespace}/${service.name}`).join(', ')}`);
    return found;
  }

  private egressPorts(): number[] {
    const placedServices = new Set(this.placed.map((instance) => `${instance.namespace}/${instance.service}`));
    return [...new Set(this.services.filter((service) => placedServices.has(`${service.namespace}/${service.name}`))
      .flatMap((service) => service.ports.map((port) => port.port)))];
  }

  private *envoys(): Iterable<EnvoySidecar> {
    yield* [...this.clients.values()].map((client) => client.envoy);
    yield* this.serverProxies.values();
  }
}
