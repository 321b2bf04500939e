/**
 * A real Kubernetes control plane for a test file: etcd, kube-apiserver and kube-controller-manager
 * as child processes in the suite's network namespace, and the node agent running the pods. What a
 * scenario does with it is what a user does: `kubectl apply`, wait for pods, call services.
 *
 *   const cluster = await startCluster({ name: 'control-plane' });
 *   await cluster.apply(yaml);
 *   await cluster.waitForPods('shop', 'app=reviews', { count: 2, ready: true });
 *   const answer = await cluster.exec({ namespace: 'shop', name: pod }, ['curl', '-s', 'http://reviews:9080/']);
 *   await cluster.stop();
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { createClusterPki, renderAdminKubeconfig } from './cluster-pki';
import type { CommandResult } from './command';
import { startEtcd } from './etcd';
import { KubeApi } from './kube-api';
import { apiServerUrl, AUDIT_LOG, startApiServer } from './kube-apiserver';
import { startControllerManager } from './kube-controller-manager';
import { Kubectl } from './kubectl';
import type { ManagedProcess } from './managed-process';
import { createRunDirectory } from './run-directory';
import { REPO_ROOT, testBinaries } from './test-binaries';
import { setUpTestNetwork, TEST_NETWORK } from './test-network';
import type { ExecOptions, ExecResult } from '../node-agent/container-supervisor';
import { ImageTable } from '../node-agent/image-table';
import { NodeAgent } from '../node-agent/node-agent';
import type { Pod } from '../node-agent/pod-types';

export interface ClusterOptions {
  /** Names the run directory (logs are kept there). */
  readonly name: string;
  /** Run pods with the node agent; without it pods stay Pending. @default true */
  readonly runPods?: boolean;
  /** @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** Audiences pods may request tokens for, besides the API server's. @default ['istio-ca'] */
  readonly tokenAudiences?: readonly string[];
}

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

export interface WaitForPodsOptions {
  /** @default 1 */
  readonly count?: number;
  /** Wait for the Ready condition too. @default true */
  readonly ready?: boolean;
  /** @default 120 000 */
  readonly timeoutMs?: number;
}

/** One audited write (Secrets and ConfigMaps), as the API server logged it. */
export interface AuditEvent {
  readonly verb: string;
  readonly user: { readonly username: string };
  readonly objectRef: { readonly resource: string; readonly namespace?: string; readonly name?: string };
  readonly responseStatus: { readonly code: number };
}

export const NODE_NAME = 'node-1';

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  await setUpTestNetwork();
  const binaries = testBinaries();
  const runDir = createRunDirectory(options.name);
  const clusterDomain = options.clusterDomain ?? 'cluster.local';
  const processes: ManagedProcess[] = [];
  let agent: NodeAgent | undefined;
  let api: KubeApi | undefined;
  try {
    const [pki, etcd] = await Promise.all([createClusterPki(path.join(runDir, 'pki'), clusterDomain), startEtcd(binaries.etcd, runDir)]);
    processes.push(etcd);
    processes.push(await startApiServer({
      binary: binaries.kubeApiserver, runDir, pki, clusterDomain, extraAudiences: options.tokenAudiences ?? ['istio-ca'],
    }));
    const kubeconfigFile = path.join(runDir, 'kubeconfig');
    fs.writeFileSync(kubeconfigFile, renderAdminKubeconfig(apiServerUrl(), pki), { mode: 0o600 });
    processes.push(startControllerManager(binaries.kubeControllerManager, runDir, kubeconfigFile, pki));
    api = new KubeApi({ server: apiServerUrl(), token: pki.adminToken, caCertPem: pki.caCertPem });
    if (options.runPods !== false) {
      agent = new NodeAgent({
        api,
        nodeName: NODE_NAME,
        nodeAddress: TEST_NETWORK.nodeAddress,
        kubernetesVersion: binaries.kubernetesVersion,
        runDir,
        clusterDomain,
        images: new ImageTable({ envoyBinary: binaries.envoy, repoRoot: REPO_ROOT, workloadServerScript: compileWorkloadServer(runDir) }),
      });
      await agent.start();
    }
    const cluster = new Cluster(runDir, api, new Kubectl(binaries.kubectl, kubeconfigFile), kubeconfigFile, processes, agent);
    // The controllers are up once they made the default ServiceAccount and the root CA ConfigMap.
    await cluster.waitFor('the controller manager to create the default ServiceAccount and kube-root-ca.crt', async () =>
      await api!.find('/api/v1/namespaces/default/serviceaccounts/default')
      && await api!.find('/api/v1/namespaces/default/configmaps/kube-root-ca.crt'), 60_000);
    return cluster;
  } catch (error) {
    await agent?.stop().catch(() => undefined);
    for (const process of processes.reverse()) await process.stop(5000);
    api?.close();
    throw new Error(`the cluster did not start (logs in ${runDir}): ${(error as Error).message}`);
  }
}

export class Cluster {
  private stopped = false;

  constructor(
    readonly runDir: string,
    readonly api: KubeApi,
    private readonly kubectlTool: Kubectl,
    readonly kubeconfigFile: string,
    private readonly processes: ManagedProcess[],
    private readonly agent: NodeAgent | undefined,
  ) {}

  /** Runs the real kubectl as the cluster admin; fails unless it exits 0 and returns stdout. */
  kubectl(args: readonly string[], stdin?: string): Promise<string> {
    return this.kubectlTool.check(args, stdin);
  }

  /** Runs kubectl and returns its exit code and output, whatever the code. */
  kubectlResult(args: readonly string[], stdin?: string): Promise<CommandResult> {
    return this.kubectlTool.run(args, stdin);
  }

  /** `kubectl apply --server-side` of YAML documents. */
  apply(yaml: string, fieldManager = 'cdk8s-mesh-test'): Promise<string> {
    return this.kubectl(['apply', '--server-side', `--field-manager=${fieldManager}`, '-f', '-'], yaml);
  }

  /**
   * `kubectl diff --server-side` of YAML documents against what is stored. kubectl reads the live
   * object and the dry-run result in two requests; when a controller writes the object in between
   * (a new Deployment's status, say) the diff shows the controller's write, not drift. Such a diff
   * names two resourceVersions and is taken again; drift in what `fieldManager` owns persists.
   */
  async diff(yaml: string, fieldManager: string, attempts = 10): Promise<CommandResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.kubectlTool.run(['diff', '--server-side', `--field-manager=${fieldManager}`, '-f', '-'], yaml);
      if (attempt >= attempts || !objectMovedDuringDiff(result.stdout)) return result;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Polls `probe` until it returns a value other than undefined/false/null; fails naming `what` and the last error. */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined && value !== false && value !== null) return value;
      } catch (error) {
        lastError = (error as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}; logs in ${this.runDir}`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Pods of `namespace` matching a label selector. */
  async pods(namespace: string, labelSelector?: string): Promise<Pod[]> {
    return (await this.api.list<Pod>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector })).items;
  }

  /** Waits until `count` pods match (and are Ready unless told otherwise); returns them. */
  async waitForPods(namespace: string, labelSelector: string, options: WaitForPodsOptions = {}): Promise<Pod[]> {
    const count = options.count ?? 1;
    const wantReady = options.ready ?? true;
    let seen: Pod[] = [];
    try {
      return await this.waitFor(`${count} ${wantReady ? 'ready ' : ''}pod(s) ${namespace}/${labelSelector}`, async () => {
        seen = (await this.pods(namespace, labelSelector)).filter((pod) => !pod.metadata.deletionTimestamp);
        const matching = wantReady ? seen.filter(isPodReady) : seen;
        return matching.length >= count ? matching : undefined;
      }, options.timeoutMs ?? 120_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\npods now: ${seen.map(describePod).join('\n') || 'none'}`);
    }
  }

  /** Runs `command` in a container of the pod (its network and mount namespaces, its user), like `kubectl exec`. */
  exec(pod: PodRef, command: readonly string[], options: ExecOptions & { readonly container?: string } = {}): Promise<ExecResult> {
    return this.nodeAgent().runner(pod.namespace, pod.name).exec(options.container, command, options);
  }

  podIp(pod: PodRef): string {
    const ip = this.nodeAgent().runner(pod.namespace, pod.name).podIp;
    if (!ip) throw new Error(`pod ${pod.namespace}/${pod.name} has no sandbox yet`);
    return ip;
  }

  /** Pids of a running pod's sandbox and container processes. */
  podProcessIds(pod: PodRef): number[] {
    const runner = this.nodeAgent().runner(pod.namespace, pod.name);
    return [runner.sandboxPid, ...runner.containerPids()].filter((pid): pid is number => pid !== undefined);
  }

  /** Pids of a running pod's container processes (not its sandbox): what a container crash kills. */
  podContainerProcessIds(pod: PodRef): number[] {
    return this.nodeAgent().runner(pod.namespace, pod.name).containerPids();
  }

  /** The node end of a running pod's veth pair. */
  podNetworkDevice(pod: PodRef): string {
    const device = this.nodeAgent().runner(pod.namespace, pod.name).hostDevice;
    if (!device) throw new Error(`pod ${pod.namespace}/${pod.name} has no sandbox`);
    return device;
  }

  /** The output of a container (every restart), as `kubectl logs` would show it. */
  logs(pod: PodRef, container: string): string {
    const file = this.nodeAgent().runner(pod.namespace, pod.name).logFile(container);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  /** The API server's audit log of Secret and ConfigMap writes, oldest first. */
  auditEvents(): AuditEvent[] {
    const file = path.join(this.runDir, AUDIT_LOG);
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as AuditEvent);
  }

  /** Every process of the cluster now: control plane, pod sandboxes and containers. */
  processIds(): number[] {
    return [...this.processes.map((process) => process.pid).filter((pid): pid is number => pid !== undefined), ...this.agent?.processIds() ?? []];
  }

  /** Waits until the service proxy rules reflect the last Service or EndpointSlice change seen. */
  async flushServiceRules(): Promise<void> {
    await this.agent?.flushServiceRules();
  }

  /** Stops the pods, the node agent, then the controller manager, the API server and etcd (by pid). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.agent?.stop();
    } finally {
      for (const process of [...this.processes].reverse()) await process.stop(10_000);
      this.api.close();
      fs.rmSync(path.join(this.runDir, 'etcd-data'), { recursive: true, force: true });
    }
  }

  private nodeAgent(): NodeAgent {
    if (!this.agent) throw new Error('this cluster runs no pods (startCluster({ runPods: false }))');
    return this.agent;
  }
}

export function isPodReady(pod: Pod): boolean {
  const conditions = (pod.status?.conditions ?? []) as { type: string; status: string }[];
  return conditions.some((condition) => condition.type === 'Ready' && condition.status === 'True');
}

function describePod(pod: Pod): string {
  const statuses = [...(pod.status?.initContainerStatuses as unknown[] ?? []), ...(pod.status?.containerStatuses as unknown[] ?? [])] as
    { name: string; ready: boolean; state: Record<string, { reason?: string; message?: string; exitCode?: number }> }[];
  const containers = statuses.map((status) => {
    const [state, detail] = Object.entries(status.state ?? {})[0] ?? ['unknown', {}];
    return `${status.name}=${state}${detail.reason ? `(${detail.reason}${detail.message ? `: ${detail.message}` : ''})` : ''}${status.ready ? ' ready' : ''}`;
  });
  return `  ${pod.metadata.name} ${pod.status?.phase ?? 'no status'} ${pod.status?.message ?? ''} [${containers.join(', ')}]`;
}

/** Compiles the workload test server to plain JavaScript in the run directory, for `node` to run in pods. */
function compileWorkloadServer(runDir: string): string {
  const source = path.join(REPO_ROOT, 'test/kubernetes/workload/workload-server.ts');
  const output = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
    fileName: source,
  });
  const file = path.join(runDir, 'bin', 'workload-server.js');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, output.outputText, { mode: 0o644 });
  return file;
}

/** The YAML documents of `yaml` as objects (null documents dropped). */
export function parseYamlDocuments(yaml: string): Record<string, any>[] {
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as Record<string, any> | null)
    .filter((object): object is Record<string, any> => !!object);
}

/** True when a `kubectl diff` hunk shows the stored object's resourceVersion changing between kubectl's two reads. */
export function objectMovedDuringDiff(diffOutput: string): boolean {
  return /^-\s+resourceVersion: /m.test(diffOutput) && /^\+\s+resourceVersion: /m.test(diffOutput);
}
