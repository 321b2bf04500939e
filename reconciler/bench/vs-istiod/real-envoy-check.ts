/**
 * One real Envoy per side, with the node and token a simulated sidecar sends, on the plaintext xDS
 * port: it must hold dynamic clusters and listeners and reject none, so the simulated metadata is
 * known to get a real sidecar config, not an empty or rejected one. Without istio-agent nothing
 * serves SDS, so istiod's auto-mTLS clusters stay warming and Envoy never asks for listeners (and
 * istiod's `/debug/config_dump` shows only what was asked for); for istiod the listeners are then
 * counted from a simulated proxy with the same node, so the real Envoy vouches for the clusters only.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { runChecked } from '../../../test/kubernetes/cluster/command';
import { ManagedProcess } from '../../../test/kubernetes/cluster/managed-process';
import { requireTestNamespace } from '../../../test/kubernetes/cluster/test-network';
import { findEnvoy } from '../../test/support/envoy';
import type { ControlPlane } from './control-plane';
import type { BenchPod } from './mesh-objects';
import { sidecarNode } from './sidecar-identity';

const ADMIN_PORT = 19000;

export interface RealEnvoyConfig {
  readonly clusters: number;
  readonly listeners: number;
  readonly rejected: number;
  /** Where the listener count comes from. */
  readonly listenersFrom: 'envoy' | 'simulated';
}

/** How long Envoy may hold warming clusters before istiod's own view of the proxy is read instead. */
const WARMING_GRACE_MS = 20_000;

/** `sdsSocket`: where istio-agent serves the workload certificate (without one nothing listens at `sds-grpc`). */
export function realEnvoyBootstrap(
  plane: ControlPlane, pod: BenchPod, token: string, dir: string, adminPort = ADMIN_PORT, sdsSocket?: string,
): Record<string, unknown> {
  const [host, port] = plane.xdsTarget.split(':');
  const http2 = { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} },
  } };
  const staticCluster = (name: string, address: Record<string, unknown>) => ({
    name, type: 'STATIC', connect_timeout: '1s', typed_extension_protocol_options: http2,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
  });
  return {
    node: sidecarNode(pod),
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    dynamic_resources: {
      ads_config: {
        api_type: 'DELTA_GRPC', transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' }, initial_metadata: [{ key: 'authorization', value: `Bearer ${token}` }] }],
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        staticCluster('xds-grpc', { socket_address: { address: host, port_value: Number(port) } }),
        // istio-agent's SDS socket in a pod; without an agent nothing listens here.
        staticCluster('sds-grpc', { pipe: { path: sdsSocket ?? path.join(dir, 'no-sds.sock') } }),
      ],
    },
  };
}

/** `simulatedListeners`: for a plane whose clusters may stay warming, what a simulated proxy of the same node gets. */
export async function checkRealEnvoy(plane: ControlPlane, pod: BenchPod, token: string, runDir: string, simulatedListeners?: () => Promise<number>): Promise<RealEnvoyConfig> {
  const dir = path.join(runDir, `real-envoy-${plane.side}`);
  fs.mkdirSync(dir, { recursive: true });
  // Inbound listeners bind the pod's address: give it to loopback, in the run's own network namespace only.
  await requireTestNamespace();
  await runChecked('ip', ['addr', 'replace', `${pod.address}/32`, 'dev', 'lo']);
  const bootstrap = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(bootstrap, JSON.stringify(realEnvoyBootstrap(plane, pod, token, dir)));
  const envoy = ManagedProcess.start({
    command: findEnvoy(),
    args: ['-c', bootstrap, '--disable-hot-restart', '--concurrency', '1', '-l', 'warning'],
    logFile: path.join(dir, 'envoy.log'),
  });
  try {
    const started = Date.now();
    const deadline = started + 60_000;
    let seen: RealEnvoyConfig = { clusters: 0, listeners: 0, rejected: 0, listenersFrom: 'envoy' };
    for (;;) {
      if (!envoy.running) throw new Error(`the real Envoy for ${plane.side} exited: ${envoy.tail()}`);
      seen = summarize(await adminJson(ADMIN_PORT, '/config_dump').catch(() => undefined)) ?? seen;
      if (seen.clusters > 0 && seen.listeners > 0) break;
      if (simulatedListeners && seen.clusters > 0 && Date.now() - started > WARMING_GRACE_MS) {
        seen = { ...seen, listeners: await simulatedListeners(), listenersFrom: 'simulated' };
        if (seen.listeners > 0) break;
      }
      if (Date.now() > deadline) throw new Error(`${plane.side}: the real Envoy has ${seen.clusters} dynamic clusters and ${seen.listeners} listeners after 60 s; log in ${dir}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (seen.rejected > 0) throw new Error(`${plane.side}: the real Envoy rejected ${seen.rejected} listener(s); see its config dump, log in ${dir}`);
    return seen;
  } finally {
    await envoy.stop(5000);
  }
}

/** Envoy's admin answers with proto field names; JSON (camelCase) names are read too. */
function fieldOf(object: Record<string, any>, name: string): any {
  return object[name] ?? object[name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())];
}

function summarize(dump: { configs?: Record<string, any>[] } | undefined): RealEnvoyConfig | undefined {
  if (!dump?.configs) return undefined;
  const of = (type: string) => dump.configs!.find((config) => String(config['@type']).endsWith(type)) ?? {};
  const clusters = of('ClustersConfigDump');
  const dynamicListeners = (fieldOf(of('ListenersConfigDump'), 'dynamic_listeners') ?? []) as Record<string, unknown>[];
  return {
    clusters: (fieldOf(clusters, 'dynamic_active_clusters') ?? []).length + (fieldOf(clusters, 'dynamic_warming_clusters') ?? []).length,
    listeners: dynamicListeners.filter((listener) => fieldOf(listener, 'active_state') || fieldOf(listener, 'warming_state')).length,
    rejected: dynamicListeners.filter((listener) => fieldOf(listener, 'error_state')).length,
    listenersFrom: 'envoy',
  };
}

function adminJson(port: number, pathname: string): Promise<{ configs?: Record<string, any>[] }> {
  const url = `http://127.0.0.1:${port}${pathname}`;
  return getJson(url);
}

function getJson(url: string): Promise<{ configs?: Record<string, any>[] }> {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 5000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(new Error(`${url} answered ${response.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}
