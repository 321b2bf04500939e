/**
 * One real Envoy per side, with the node and token a simulated sidecar sends, on the plaintext xDS
 * port: it must end with dynamic clusters and listeners (active or warming: without istio-agent no
 * SDS answers, so istiod's auto-mTLS clusters may stay warming), so the simulated metadata is known
 * to get a real sidecar config, not an empty or rejected one.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { ManagedProcess } from '../../../test/kubernetes/cluster/managed-process';
import { findEnvoy } from '../../test/support/envoy';
import type { ControlPlane } from './control-plane';
import type { BenchPod } from './mesh-objects';
import { sidecarNode } from './sidecar-identity';

const ADMIN_PORT = 19000;

export interface RealEnvoyConfig {
  readonly clusters: number;
  readonly listeners: number;
  readonly rejected: number;
}

export function realEnvoyBootstrap(plane: ControlPlane, pod: BenchPod, token: string, dir: string): Record<string, unknown> {
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
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: ADMIN_PORT } } },
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
        // istio-agent's SDS socket in a pod; nothing listens here.
        staticCluster('sds-grpc', { pipe: { path: path.join(dir, 'no-sds.sock') } }),
      ],
    },
  };
}

export async function checkRealEnvoy(plane: ControlPlane, pod: BenchPod, token: string, runDir: string): Promise<RealEnvoyConfig> {
  const dir = path.join(runDir, `real-envoy-${plane.side}`);
  fs.mkdirSync(dir, { recursive: true });
  const bootstrap = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(bootstrap, JSON.stringify(realEnvoyBootstrap(plane, pod, token, dir)));
  const envoy = ManagedProcess.start({
    command: findEnvoy(),
    args: ['-c', bootstrap, '--disable-hot-restart', '--concurrency', '1', '-l', 'warning'],
    logFile: path.join(dir, 'envoy.log'),
  });
  try {
    const deadline = Date.now() + 60_000;
    let seen: RealEnvoyConfig = { clusters: 0, listeners: 0, rejected: 0 };
    for (;;) {
      if (!envoy.running) throw new Error(`the real Envoy for ${plane.side} exited: ${envoy.tail()}`);
      seen = summarize(await adminJson('/config_dump').catch(() => undefined)) ?? seen;
      if (seen.clusters > 0 && seen.listeners > 0) break;
      if (Date.now() > deadline) throw new Error(`${plane.side}: the real Envoy has ${seen.clusters} dynamic clusters and ${seen.listeners} listeners after 60 s; log in ${dir}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (seen.rejected > 0) throw new Error(`${plane.side}: the real Envoy rejected ${seen.rejected} listener(s); see its config dump, log in ${dir}`);
    return seen;
  } finally {
    await envoy.stop(5000);
  }
}

function summarize(dump: { configs?: Record<string, any>[] } | undefined): RealEnvoyConfig | undefined {
  if (!dump?.configs) return undefined;
  const of = (type: string) => dump.configs!.find((config) => String(config['@type']).endsWith(type)) ?? {};
  const clusters = of('ClustersConfigDump');
  const listeners = of('ListenersConfigDump');
  const dynamicListeners = (listeners.dynamic_listeners ?? []) as Record<string, unknown>[];
  return {
    clusters: (clusters.dynamic_active_clusters ?? []).length + (clusters.dynamic_warming_clusters ?? []).length,
    listeners: dynamicListeners.filter((listener) => listener.active_state || listener.warming_state).length,
    rejected: dynamicListeners.filter((listener) => listener.error_state).length,
  };
}

function adminJson(pathname: string): Promise<{ configs?: Record<string, any>[] }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: ADMIN_PORT, path: pathname, timeout: 5000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}
