/**
 * The node agent: what stands in for the kubelet, the container runtime, kube-proxy and cluster
 * DNS on the suite's one node. It registers the Node, binds every unscheduled pod to it (the
 * `binding` subresource, no scheduler needed), runs each pod bound to it as processes
 * ({@link PodRunner}), and keeps the service proxy rules and the pods' files in step with the
 * cluster.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ImageTable } from './image-table';
import { NodeRegistration } from './node-registration';
import { NodeContext, PodRunner } from './pod-runner';
import { PodAddressPool } from './pod-sandbox';
import { ConfigMap, EndpointSlice, Pod, podKey, Secret, Service } from './pod-types';
import { ServiceAccountTokens } from './service-account-tokens';
import { ServiceProxy } from './service-proxy';
import { KubeApiError } from '../cluster/kube-api';
import type { KubeApi } from '../cluster/kube-api';
import { WatchCache } from '../cluster/watch-cache';

export interface NodeAgentOptions {
  readonly api: KubeApi;
  readonly nodeName: string;
  readonly nodeAddress: string;
  readonly runDir: string;
  readonly clusterDomain: string;
  readonly images: ImageTable;
  /** Reported as the node's kubelet version. */
  readonly kubernetesVersion: string;
}

/** How often volume content, tokens and hosts files are brought up to date (the kubelet syncs less often). */
const FILE_REFRESH_MS = 1000;
const ALLOCATABLE = { 'cpu': '8', 'memory': '32Gi', 'pods': '250', 'ephemeral-storage': '100Gi' };

export class NodeAgent {
  private readonly runners = new Map<string, PodRunner>();
  private readonly finishing = new Set<Promise<void>>();
  private readonly pods: WatchCache<Pod>;
  private readonly configMaps: WatchCache<ConfigMap>;
  private readonly secrets: WatchCache<Secret>;
  private readonly services: WatchCache<Service>;
  private readonly slices: WatchCache<EndpointSlice>;
  private readonly registration: NodeRegistration;
  private readonly proxy: ServiceProxy;
  private readonly context: NodeContext;
  private readonly logFile: string;
  private readonly binding = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: NodeAgentOptions) {
    const { api } = options;
    this.logFile = path.join(options.runDir, 'node-agent.log');
    const log = (message: string) => this.log(message);
    const onError = (what: string) => (error: Error) => log(`watch of ${what}: ${error.message}`);
    this.pods = new WatchCache<Pod>(api, '/api/v1/pods', { onChange: () => this.syncPods(), onError: onError('pods') });
    this.configMaps = new WatchCache<ConfigMap>(api, '/api/v1/configmaps', { onError: onError('configmaps') });
    this.secrets = new WatchCache<Secret>(api, '/api/v1/secrets', { onError: onError('secrets') });
    this.services = new WatchCache<Service>(api, '/api/v1/services', { onError: onError('services') });
    this.slices = new WatchCache<EndpointSlice>(api, '/apis/discovery.k8s.io/v1/endpointslices', { onError: onError('endpointslices') });
    this.proxy = new ServiceProxy(() => this.services.list(), () => this.slices.list(), log);
    this.services.onChange(() => this.proxy.sync());
    this.slices.onChange(() => this.proxy.sync());
    this.registration = new NodeRegistration(api,
      { name: options.nodeName, address: options.nodeAddress, kubeletVersion: options.kubernetesVersion }, ALLOCATABLE, log);
    this.context = {
      api,
      nodeName: options.nodeName,
      nodeAddress: options.nodeAddress,
      podsDir: path.join(options.runDir, 'pods'),
      clusterDomain: options.clusterDomain,
      images: options.images,
      addresses: new PodAddressPool(),
      tokens: new ServiceAccountTokens(api),
      configMap: (namespace, name) => this.configMaps.get(namespace, name),
      secret: (namespace, name) => this.secrets.get(namespace, name),
      services: () => this.services.list(),
      nodeAllocatable: ALLOCATABLE,
      log,
    };
  }

  async start(): Promise<void> {
    await this.registration.register();
    await Promise.all([this.configMaps, this.secrets, this.services, this.slices].map((cache) => cache.start()));
    await this.proxy.start();
    await this.pods.start();
    this.refreshTimer = setInterval(() => void this.refreshFiles(), FILE_REFRESH_MS);
    this.log(`node ${this.options.nodeName} ready`);
  }

  /** Stops every pod (grace periods honoured, capped at `graceMs`), the watches, the proxy rules and the Node. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    clearInterval(this.refreshTimer);
    await this.pods.stop();
    // Every step runs even if an earlier one failed: nothing may be left running.
    const outcomes = await Promise.allSettled([
      ...[...this.runners.values()].map((runner) => runner.forget(graceMs)),
      ...this.finishing,
    ]);
    outcomes.push(...await Promise.allSettled([this.configMaps, this.secrets, this.services, this.slices].map((cache) => cache.stop())));
    outcomes.push(...await Promise.allSettled([this.proxy.stop(), this.registration.stop()]));
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failures.length > 0) throw new Error(`stopping the node agent: ${failures.map((failure) => (failure.reason as Error).message).join('; ')}`);
  }

  /** The running pod `namespace/name`. */
  runner(namespace: string, name: string): PodRunner {
    const pod = this.pods.get(namespace, name);
    const runner = pod && this.runners.get(pod.metadata.uid!);
    if (!runner) throw new Error(`pod ${namespace}/${name} is not running on node ${this.options.nodeName}`);
    return runner;
  }

  /** Pids of every process the agent runs (sandboxes and containers), for leak checks. */
  processIds(): number[] {
    return [...this.runners.values()].flatMap((runner) => [runner.sandboxPid, ...runner.containerPids()])
      .filter((pid): pid is number => pid !== undefined);
  }

  /** Waits until the service proxy rules reflect the last change. */
  async flushServiceRules(): Promise<void> {
    await this.proxy.flush();
  }

  private syncPods(): void {
    if (this.stopped) return;
    const present = new Set<string>();
    for (const pod of this.pods.list()) {
      const uid = pod.metadata.uid!;
      present.add(uid);
      if (!pod.spec.nodeName) {
        this.bind(pod);
        continue;
      }
      if (pod.spec.nodeName !== this.options.nodeName) continue;
      let runner = this.runners.get(uid);
      if (!runner) {
        if (isTerminal(pod) || pod.metadata.deletionTimestamp) {
          // Nothing runs for it here: confirm a deletion the agent did not see start.
          if (pod.metadata.deletionTimestamp) void this.confirmDeletion(pod);
          continue;
        }
        runner = new PodRunner(this.context, pod);
        this.runners.set(uid, runner);
        this.log(`starting pod ${podKey(pod)}`);
        runner.start();
      }
      runner.update(pod);
    }
    for (const [uid, runner] of this.runners) {
      if (present.has(uid)) continue;
      this.runners.delete(uid);
      const finished = runner.forget(5000).finally(() => this.finishing.delete(finished));
      this.finishing.add(finished);
    }
  }

  private bind(pod: Pod): void {
    const key = pod.metadata.uid!;
    if (this.binding.has(key) || pod.metadata.deletionTimestamp) return;
    this.binding.add(key);
    void this.options.api.create(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/binding`, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod.metadata.name, uid: pod.metadata.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: this.options.nodeName },
    }).catch((error: Error) => {
      if (!(error instanceof KubeApiError && (error.status === 409 || error.status === 404))) this.log(`binding ${podKey(pod)}: ${error.message}`);
    }).finally(() => this.binding.delete(key));
  }

  private async confirmDeletion(pod: Pod): Promise<void> {
    await this.options.api.delete(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`,
      { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }).catch(() => undefined);
  }

  private async refreshFiles(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.refreshFiles()));
  }

  private log(message: string): void {
    fs.appendFileSync(this.logFile, `${new Date().toISOString()} ${message}\n`);
  }
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}
