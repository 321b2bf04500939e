/**
 * One pod on the node, from sandbox to final deletion: the sandbox and volumes (waiting for
 * missing ConfigMaps and Secrets), init containers in order (a native sidecar, `restartPolicy:
 * Always`, lets the next one start once it counts as started), then the containers; status
 * reported through the status subresource after every change. When every regular container of a
 * pod that does not restart them has exited, its sidecars are stopped and the pod completes. On
 * deletion: SIGTERM to the containers, then the sidecars in reverse order, SIGKILL at the end of
 * the grace period, then the final delete and the sandbox removed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { prepareContainerLaunch } from './container-launch';
import { startContainerProcess } from './container-process';
import { ContainerSupervisor, ExecOptions, ExecResult, RestartRule } from './container-supervisor';
import { renderHostsFile, renderResolvConf, rewriteInPlace } from './hosts-file';
import type { ImageTable } from './image-table';
import { PodAddressPool, PodSandbox } from './pod-sandbox';
import { buildPodStatus, ConditionClock, PodPhase } from './pod-status';
import type { ConfigMap, Container, Pod, Secret, Service } from './pod-types';
import { podKey } from './pod-types';
import { PodVolumes, VolumeNotReadyError } from './pod-volumes';
import type { ServiceAccountTokens } from './service-account-tokens';
import type { KubeApi } from '../cluster/kube-api';

/** What every pod of the node shares. */
export interface NodeContext {
  readonly api: KubeApi;
  readonly nodeName: string;
  readonly nodeAddress: string;
  readonly podsDir: string;
  readonly clusterDomain: string;
  readonly images: ImageTable;
  readonly addresses: PodAddressPool;
  readonly tokens: ServiceAccountTokens;
  readonly configMap: (namespace: string, name: string) => ConfigMap | undefined;
  readonly secret: (namespace: string, name: string) => Secret | undefined;
  readonly services: () => Service[];
  readonly nodeAllocatable: Record<string, string>;
  readonly log: (message: string) => void;
}

const VOLUME_RETRY_MS = 500;

export class PodRunner {
  readonly dir: string;
  private pod: Pod;
  private sandbox: PodSandbox | undefined;
  private addressSlot: number | undefined;
  private volumes: PodVolumes | undefined;
  private readonly supervisors: ContainerSupervisor[];
  private readonly clock = new ConditionClock();
  private readonly startTime = new Date().toISOString();
  private phase: PodPhase = 'Pending';
  private initialized = false;
  private message: string | undefined;
  private terminating: Promise<void> | undefined;
  private abortStartup: (() => void) | undefined;
  /** Resolves when termination begins, to stop waiting for a sidecar to start. */
  private readonly startupAborted: Promise<void>;
  private deleted = false;
  private lastReported = '';
  private reporting: Promise<void> = Promise.resolve();
  private reportQueued = false;
  private lifecycle: Promise<void> | undefined;
  private torndown = false;

  constructor(private readonly node: NodeContext, pod: Pod) {
    this.pod = pod;
    this.startupAborted = new Promise<void>((resolve) => { this.abortStartup = resolve; });
    this.dir = path.join(node.podsDir, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid!.slice(0, 8)}`);
    fs.mkdirSync(path.join(this.dir, 'logs'), { recursive: true });
    const podRule = (pod.spec.restartPolicy ?? 'Always') as RestartRule;
    const supervisor = (container: Container, kind: 'init' | 'sidecar' | 'regular') => {
      // A failed init container is retried unless the pod never restarts anything.
      const rule: RestartRule = kind === 'sidecar' ? 'Always' : kind === 'init' ? (podRule === 'Never' ? 'Never' : 'OnFailure') : podRule;
      return new ContainerSupervisor(container, kind, rule, {
        launch: () => this.launch(container),
        podIp: () => this.sandbox?.address ?? '',
        onChange: () => this.report(),
        log: (message) => this.log(message),
        graceMs: this.graceMs(),
      });
    };
    this.supervisors = [
      ...(pod.spec.initContainers ?? []).map((container) => supervisor(container, container.restartPolicy === 'Always' ? 'sidecar' : 'init')),
      ...pod.spec.containers.map((container) => supervisor(container, 'regular')),
    ];
  }

  get uid(): string {
    return this.pod.metadata.uid!;
  }

  get podIp(): string | undefined {
    return this.sandbox?.address;
  }

  get hostDevice(): string | undefined {
    return this.sandbox?.hostDevice;
  }

  get sandboxPid(): number | undefined {
    return this.sandbox?.alive ? this.sandbox.holderPid : undefined;
  }

  /** Pids of the running container processes. */
  containerPids(): number[] {
    return this.supervisors.map((supervisor) => supervisor.pid).filter((pid): pid is number => pid !== undefined);
  }

  start(): void {
    this.lifecycle ??= this.runLifecycle().catch(async (error: Error) => {
      this.log(`failed: ${error.stack ?? error.message}`);
      this.message = error.message;
      // Nothing of a pod that cannot run keeps running.
      for (const supervisor of [...this.supervisors].reverse()) {
        await supervisor.stop(this.graceMs()).catch(() => undefined);
      }
      this.phase = 'Failed';
      this.report();
    });
  }

  /** A newer version of the pod from the API: deletion starts termination. */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp && !this.terminating) {
      const graceSeconds = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      this.terminating = this.terminate(graceSeconds * 1000);
      this.abortStartup?.();
    }
  }

  /** The pod is gone from the API (force-deleted) or the node stops: stop everything without reporting. */
  async forget(graceMs = 2000): Promise<void> {
    this.deleted = true;
    this.terminating ??= this.terminate(graceMs);
    this.abortStartup?.();
    await this.terminating;
  }

  /** Rewrites files that follow the cluster: volume content, tokens due for refresh, /etc/hosts. */
  async refreshFiles(): Promise<void> {
    if (!this.volumes || !this.sandbox || this.torndown) return;
    await this.volumes.sync().catch((error: Error) => {
      if (!(error instanceof VolumeNotReadyError)) this.log(`refreshing volumes failed: ${error.message}`);
    });
    rewriteInPlace(this.hostsFile, renderHostsFile(this.pod, this.sandbox.address, this.node.services(), this.node.clusterDomain));
  }

  async exec(containerName: string | undefined, command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const name = containerName ?? this.pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? this.pod.spec.containers[0].name;
    const supervisor = this.supervisors.find((candidate) => candidate.spec.name === name);
    if (!supervisor) throw new Error(`pod ${podKey(this.pod)} has no container ${name}`);
    return supervisor.exec(command, options);
  }

  /** The log file of a container (all its restarts). */
  logFile(containerName: string): string {
    return path.join(this.dir, 'logs', `${containerName}.log`);
  }

  private get hostsFile(): string {
    return path.join(this.dir, 'hosts');
  }

  private async runLifecycle(): Promise<void> {
    this.report();
    const { address, slot } = this.node.addresses.allocate();
    this.addressSlot = slot;
    this.sandbox = await PodSandbox.create(this.dir, address, slot);
    this.report();

    this.volumes = new PodVolumes(this.pod, path.join(this.dir, 'volumes'), {
      configMap: (namespace, name) => decodedConfigMap(this.node.configMap(namespace, name)),
      secret: (namespace, name) => decodedSecret(this.node.secret(namespace, name)),
      tokens: this.node.tokens,
      nodeAllocatable: this.node.nodeAllocatable,
    }, { podIp: address, hostIp: this.node.nodeAddress });
    if (!await this.waitForVolumes()) return;
    fs.writeFileSync(path.join(this.dir, 'resolv.conf'), renderResolvConf(this.pod.metadata.namespace!, this.node.clusterDomain));
    rewriteInPlace(this.hostsFile, renderHostsFile(this.pod, address, this.node.services(), this.node.clusterDomain));

    for (const supervisor of this.supervisors.filter((candidate) => candidate.kind !== 'regular')) {
      if (this.terminating) return;
      if (supervisor.kind === 'sidecar') {
        void supervisor.run();
        await Promise.race([supervisor.whenStarted(), this.startupAborted]);
        continue;
      }
      const result = await supervisor.run();
      if (!result || result.exitCode !== 0) {
        if (!this.terminating) await this.complete('Failed');
        return;
      }
    }
    if (this.terminating) return;
    this.initialized = true;
    this.phase = 'Running';
    this.report();
    const results = await Promise.all(this.regulars().map((supervisor) => supervisor.run()));
    if (!this.terminating) await this.complete(results.every((result) => result?.exitCode === 0) ? 'Succeeded' : 'Failed');
  }

  /** Waits while a volume source is missing; false when the pod is deleted meanwhile. */
  private async waitForVolumes(): Promise<boolean> {
    for (;;) {
      if (this.terminating) return false;
      try {
        await this.volumes!.sync();
        this.message = undefined;
        return true;
      } catch (error) {
        if (!(error instanceof VolumeNotReadyError)) throw error;
        const message = `MountVolume.SetUp failed: ${error.message}`;
        if (this.message !== message) this.log(`waiting for volumes: ${error.message}`);
        this.message = message;
        for (const supervisor of this.supervisors) supervisor.state = { waiting: { reason: supervisor.kind === 'regular' ? 'ContainerCreating' : 'PodInitializing' } };
        this.report();
        await new Promise((resolve) => setTimeout(resolve, VOLUME_RETRY_MS));
      }
    }
  }

  /** Every regular container has finished for good: stop the sidecars, report the outcome, drop the sandbox. */
  private async complete(phase: PodPhase): Promise<void> {
    for (const sidecar of this.sidecars().reverse()) await sidecar.stop(this.graceMs());
    this.phase = phase;
    this.log(`completed: ${phase}`);
    this.report();
    await this.reporting;
    await this.teardownSandbox();
  }

  private async terminate(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    const remaining = () => Math.max(0, deadline - Date.now());
    this.log(`terminating with a grace period of ${graceMs / 1000} s`);
    const stop = (supervisor: ContainerSupervisor, withinMs: number) => supervisor.stop(withinMs)
      .catch((error: Error) => this.log(`stopping container ${supervisor.spec.name}: ${error.message}`));
    await Promise.all([...this.regulars(), ...this.supervisors.filter((candidate) => candidate.kind === 'init')]
      .map((supervisor) => stop(supervisor, remaining())));
    for (const sidecar of this.sidecars().reverse()) await stop(sidecar, Math.max(remaining(), 2000));
    await this.lifecycle;
    if (this.phase !== 'Succeeded' && this.phase !== 'Failed') {
      const exits = this.regulars().map((supervisor) => supervisor.snapshot().state);
      this.phase = exits.every((state) => 'terminated' in state && state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
    this.report();
    await this.reporting;
    await this.teardownSandbox();
    fs.rmSync(path.join(this.dir, 'volumes'), { recursive: true, force: true });
    this.node.tokens.forget(this.uid);
    if (!this.deleted) {
      this.deleted = true;
      await this.node.api.delete(`/api/v1/namespaces/${this.pod.metadata.namespace}/pods/${this.pod.metadata.name}`,
        { gracePeriodSeconds: 0, preconditions: { uid: this.uid } }).catch((error: Error) => this.log(`final delete: ${error.message}`));
    }
    this.log('removed');
  }

  private async teardownSandbox(): Promise<void> {
    if (this.torndown) return;
    this.torndown = true;
    await this.sandbox?.destroy();
    if (this.addressSlot !== undefined) this.node.addresses.release(this.addressSlot);
    for (const supervisor of this.supervisors) {
      fs.rmSync(path.join(this.dir, 'containers', supervisor.spec.name, 'scratch'), { recursive: true, force: true });
    }
  }

  private async launch(container: Container) {
    if (!this.sandbox || !this.volumes) throw new Error('the sandbox is not ready');
    const { launch, env } = prepareContainerLaunch({
      pod: this.pod,
      container,
      netnsPath: this.sandbox.netnsPath,
      images: this.node.images,
      environment: {
        pod: this.pod,
        podIp: this.sandbox.address,
        hostIp: this.node.nodeAddress,
        configMapData: (namespace, name) => this.node.configMap(namespace, name)?.data,
        secretData: (namespace, name) => decodedSecretText(this.node.secret(namespace, name)),
        services: this.node.services(),
        nodeAllocatable: this.node.nodeAllocatable,
      },
      volumes: this.volumes,
      hostsFile: this.hostsFile,
      resolvConf: path.join(this.dir, 'resolv.conf'),
      containerDir: path.join(this.dir, 'containers', container.name),
      logFile: this.logFile(container.name),
    });
    return { process: await startContainerProcess(launch), env, user: launch.user, group: launch.group };
  }

  private regulars(): ContainerSupervisor[] {
    return this.supervisors.filter((supervisor) => supervisor.kind === 'regular');
  }

  private sidecars(): ContainerSupervisor[] {
    return this.supervisors.filter((supervisor) => supervisor.kind === 'sidecar');
  }

  private graceMs(): number {
    return (this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  /** Queues a status write; writes are serialized and skipped when nothing changed. */
  private report(): void {
    if (this.reportQueued || this.deleted) return;
    this.reportQueued = true;
    this.reporting = this.reporting.then(async () => {
      this.reportQueued = false;
      if (this.deleted) return;
      const status = buildPodStatus({
        phase: this.phase,
        hostIp: this.node.nodeAddress,
        podIp: this.sandbox?.address,
        startTime: this.startTime,
        sandboxReady: this.sandbox !== undefined && !this.torndown,
        initialized: this.initialized,
        containers: this.supervisors.map((supervisor) => supervisor.snapshot()),
        message: this.message,
      }, this.clock);
      const text = JSON.stringify(status);
      if (text === this.lastReported) return;
      this.lastReported = text;
      await this.node.api.patch(`/api/v1/namespaces/${this.pod.metadata.namespace}/pods/${this.pod.metadata.name}/status`, { status })
        .catch((error: Error) => this.log(`status update failed: ${error.message}`));
    });
  }

  private log(message: string): void {
    this.node.log(`pod ${podKey(this.pod)}: ${message}`);
  }
}

function decodedConfigMap(configMap: ConfigMap | undefined): { data: Record<string, Buffer> } | undefined {
  if (!configMap) return undefined;
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(configMap.data ?? {})) data[key] = Buffer.from(value, 'utf8');
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) data[key] = Buffer.from(value, 'base64');
  return { data };
}

function decodedSecret(secret: Secret | undefined): { data: Record<string, Buffer> } | undefined {
  if (!secret) return undefined;
  return { data: Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])) };
}

function decodedSecretText(secret: Secret | undefined): Record<string, string> | undefined {
  const decoded = decodedSecret(secret);
  return decoded && Object.fromEntries(Object.entries(decoded.data).map(([key, value]) => [key, value.toString('utf8')]));
}
