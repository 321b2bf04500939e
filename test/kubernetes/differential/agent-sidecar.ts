/**
 * istiod's side of a sidecar with an identity: real `pilot-agent proxy sidecar`, as in a pod. It
 * asks istiod's CA (15012) for the workload certificate with a pod-bound ServiceAccount token
 * (istiod checks it with a TokenReview), serves it to Envoy over SDS on its unix socket, and runs
 * the Envoy itself. The Envoy's bootstrap is the suite's own (`customConfigFile`): the same node
 * and plaintext ADS as the sidecars without an identity, with `sds-grpc` on the agent's socket.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { MeshPod } from './mesh-under-test';
import { SidecarEnvoy } from './sidecar-envoy';
import { TOKEN_AUDIENCE } from '../../../reconciler/bench/vs-istiod/bench-cluster';
import type { ControlPlane } from '../../../reconciler/bench/vs-istiod/control-plane';
import { ISTIOD_PORTS } from '../../../reconciler/bench/vs-istiod/istiod';
import { realEnvoyBootstrap } from '../../../reconciler/bench/vs-istiod/real-envoy-check';
import { ISTIO_CLUSTER_ID } from '../../../reconciler/bench/vs-istiod/sidecar-identity';
import { findEnvoy } from '../../../reconciler/test/support/envoy';
import type { Cluster } from '../cluster/cluster';
import { ManagedProcess } from '../cluster/managed-process';
import { ensureTestBinaries } from '../cluster/test-binaries';

/** Where istio-agent reads and serves things, relative to its working directory (as in a pod's filesystem). */
const AGENT_PATHS = {
  token: 'var/run/secrets/tokens/istio-token',
  rootCert: 'var/run/secrets/istio/root-cert.pem',
  sdsSocket: 'var/run/secrets/workload-spiffe-uds/socket',
  proxyConfig: 'etc/istio/proxy',
} as const;

/** The ConfigMap istiod publishes in every namespace with its root certificate. */
const ROOT_CERT_CONFIG_MAP = 'istio-ca-root-cert';

export interface AgentSidecarOptions {
  readonly adminPort: number;
  /** The agent's own status port (15020 in a pod): each agent on the machine needs its own. */
  readonly statusPort: number;
  readonly servicePort: number;
  /** Wait for the listener on this address (a server's inbound), else any on the port. */
  readonly bindAddress?: string;
}

async function podBoundToken(cluster: Cluster, pod: MeshPod): Promise<string> {
  const { metadata } = await cluster.api.get<{ metadata: { uid: string } }>(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`);
  const request = await cluster.api.create<{ status: { token: string } }>(`/api/v1/namespaces/${pod.namespace}/serviceaccounts/${pod.serviceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: [TOKEN_AUDIENCE], expirationSeconds: 4 * 3600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: metadata.uid } },
  });
  return request.status.token;
}

/** istiod's root certificate, once it has published it in `namespace`. */
export async function rootCertificate(cluster: Cluster, namespace: string): Promise<string> {
  return cluster.waitFor(`istiod to publish ${namespace}/${ROOT_CERT_CONFIG_MAP}`, async () => {
    const configMap = await cluster.api.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/configmaps/${ROOT_CERT_CONFIG_MAP}`).catch(() => undefined);
    return configMap?.data?.['root-cert.pem'];
  }, 60_000, 250);
}

export async function startAgentSidecar(
  istiod: ControlPlane, cluster: Cluster, pod: MeshPod, runDir: string, options: AgentSidecarOptions,
): Promise<SidecarEnvoy> {
  // The agent's working directory holds its SDS socket, whose path stops at 108 bytes: a short one,
  // linked from the run directory.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `agent-${options.adminPort}-`));
  fs.symlinkSync(dir, path.join(runDir, `agent-${options.adminPort}`));
  for (const file of [AGENT_PATHS.token, AGENT_PATHS.rootCert]) fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
  fs.mkdirSync(path.join(dir, AGENT_PATHS.proxyConfig), { recursive: true });
  const sdsSocket = path.join(dir, AGENT_PATHS.sdsSocket);
  if (Buffer.byteLength(sdsSocket) >= 108) throw new Error(`the agent's SDS socket path ${sdsSocket} is too long for a unix socket; set TMPDIR to a shorter directory`);
  const token = await podBoundToken(cluster, pod);
  fs.writeFileSync(path.join(dir, AGENT_PATHS.token), token, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, AGENT_PATHS.rootCert), await rootCertificate(cluster, pod.namespace));
  const bootstrap = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(bootstrap, JSON.stringify(realEnvoyBootstrap(istiod, { ...pod, service: 0 }, token, dir, options.adminPort, sdsSocket)));
  const proxyConfig = {
    binaryPath: findEnvoy(),
    customConfigFile: bootstrap,
    configPath: path.join(dir, AGENT_PATHS.proxyConfig),
    discoveryAddress: `127.0.0.1:${ISTIOD_PORTS.xdsTls}`,
    proxyAdminPort: options.adminPort,
    statusPort: options.statusPort,
    concurrency: 1,
    // As the suite's other sidecars: a replaced listener drains in a second.
    drainDuration: '1s',
    terminationDrainDuration: '1s',
  };
  const agent = ManagedProcess.start({
    command: ensureTestBinaries(['pilot-agent'])('pilot-agent'),
    args: ['proxy', 'sidecar', '--log_output_level', 'default:warn'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      POD_NAME: pod.name,
      POD_NAMESPACE: pod.namespace,
      INSTANCE_IP: pod.address,
      SERVICE_ACCOUNT: pod.serviceAccount,
      ISTIO_META_CLUSTER_ID: ISTIO_CLUSTER_ID,
      ISTIO_META_INTERCEPTION_MODE: 'NONE',
      PILOT_CERT_PROVIDER: 'istiod',
      CA_ADDR: `127.0.0.1:${ISTIOD_PORTS.xdsTls}`,
      ISTIOD_SAN: 'istiod.istio-system.svc',
      PROXY_CONFIG: JSON.stringify(proxyConfig),
    },
    cwd: dir,
    logFile: path.join(dir, 'agent.log'),
  });
  return SidecarEnvoy.whenListening(istiod, pod, agent, dir, options.adminPort, options.servicePort, options.bindAddress);
}
