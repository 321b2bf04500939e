/**
 * The Node object of the agent, as a kubelet registers it: Ready, with capacity and addresses,
 * kept fresh by renewing its Lease in kube-node-lease every 10 seconds and its Ready heartbeat
 * every 40. The not-ready taint the API server adds at registration is removed once Ready, as
 * the node lifecycle controller would.
 */
import * as os from 'os';
import { KubeApi, KubeApiError, KubeObject } from '../cluster/kube-api';

const LEASE_RENEW_MS = 10_000;
const HEARTBEAT_EVERY_RENEWALS = 4;
const LEASE_SECONDS = 40;

export class NodeRegistration {
  private timer: NodeJS.Timeout | undefined;
  private renewals = 0;

  readonly nodeName: string;

  constructor(
    private readonly api: KubeApi,
    private readonly node: { readonly name: string; readonly address: string; readonly kubeletVersion: string },
    readonly allocatable: Record<string, string>,
    private readonly log: (message: string) => void,
  ) {
    this.nodeName = node.name;
  }

  async register(): Promise<void> {
    const node = await this.api.create<KubeObject>('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch },
      },
      spec: {},
    });
    await this.api.patch(`/api/v1/nodes/${this.nodeName}/status`, { status: this.status() });
    await this.api.patch(`/api/v1/nodes/${this.nodeName}`, { spec: { taints: null } });
    await this.api.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.nodeName,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata.uid }],
      },
      spec: { holderIdentity: this.nodeName, leaseDurationSeconds: LEASE_SECONDS, renewTime: microTime() },
    });
    this.timer = setInterval(() => void this.renew(), LEASE_RENEW_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.api.delete(`/api/v1/nodes/${this.nodeName}`).catch((error: Error) => {
      if (!(error instanceof KubeApiError && error.status === 404)) this.log(`deleting the node: ${error.message}`);
    });
  }

  private async renew(): Promise<void> {
    this.renewals += 1;
    try {
      await this.api.patch(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.nodeName}`, { spec: { renewTime: microTime() } });
      if (this.renewals % HEARTBEAT_EVERY_RENEWALS === 0) {
        await this.api.patch(`/api/v1/nodes/${this.nodeName}/status`, { status: this.status() });
      }
    } catch (error) {
      this.log(`node heartbeat failed: ${(error as Error).message}`);
    }
  }

  private status(): Record<string, unknown> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = (type: string, status: string, reason: string, message: string) =>
      ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
    return {
      capacity: { ...this.allocatable },
      allocatable: { ...this.allocatable },
      addresses: [{ type: 'InternalIP', address: this.node.address }, { type: 'Hostname', address: this.nodeName }],
      conditions: [
        condition('Ready', 'True', 'KubeletReady', 'node agent is posting ready status'),
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'node agent has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'node agent has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'node agent has sufficient PID available'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: os.release(),
        osImage: 'cdk8s-mesh node agent',
        containerRuntimeVersion: 'node-agent://1',
        kubeletVersion: this.node.kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      },
    };
  }
}

/** A Lease's MicroTime: RFC 3339 with microseconds. */
function microTime(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
