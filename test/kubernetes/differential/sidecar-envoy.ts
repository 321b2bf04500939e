/**
 * The client's sidecar: a real Envoy connected over ADS to one control plane, with the node id and
 * metadata of an Istio sidecar that captures nothing (interception NONE), so its outbound HTTP
 * listener binds the service port and requests are sent to it directly. Each side picks its own
 * bind address (istiod localhost, the reconciler the pod address); the listener tells which.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { MeshPod } from './mesh-under-test';
import type { ControlPlane } from '../../../reconciler/bench/vs-istiod/control-plane';
import { realEnvoyBootstrap } from '../../../reconciler/bench/vs-istiod/real-envoy-check';
import { findEnvoy } from '../../../reconciler/test/support/envoy';
import { ManagedProcess } from '../../../test/kubernetes/cluster/managed-process';

export interface ListenerAddress {
  readonly host: string;
  readonly port: number;
}

export class SidecarEnvoy {
  static async start(
    plane: ControlPlane, pod: MeshPod, token: string, runDir: string, adminPort: number, servicePort: number,
  ): Promise<SidecarEnvoy> {
    const dir = path.join(runDir, `sidecar-${plane.side}`);
    fs.mkdirSync(dir, { recursive: true });
    const bootstrap = path.join(dir, 'bootstrap.json');
    fs.writeFileSync(bootstrap, JSON.stringify(realEnvoyBootstrap(plane, { ...pod, service: 0 }, token, dir, adminPort)));
    const envoy = ManagedProcess.start({
      command: findEnvoy(),
      args: ['-c', bootstrap, '--disable-hot-restart', '--concurrency', '1', '-l', 'warning', '--base-id', String(adminPort)],
      logFile: path.join(dir, 'envoy.log'),
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!envoy.running) throw new Error(`the sidecar Envoy of ${plane.side} exited: ${envoy.tail()}`);
      const outbound = outboundListener(await adminJson(adminPort, '/config_dump?resource=dynamic_listeners').catch(() => undefined), servicePort);
      if (outbound) return new SidecarEnvoy(plane, adminPort, outbound, envoy);
      if (Date.now() > deadline) {
        const dump = await adminJson(adminPort, '/config_dump').catch((error: Error) => ({ error: error.message }));
        fs.writeFileSync(path.join(dir, 'config_dump.json'), JSON.stringify(dump, null, 1));
        await envoy.stop(5000);
        throw new Error(`${plane.side}: the sidecar Envoy has no active listener on port ${servicePort} after 60 s; its log, bootstrap and config dump are in ${dir}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private constructor(
    readonly plane: ControlPlane, readonly adminPort: number, readonly outbound: ListenerAddress, private readonly process: ManagedProcess,
  ) {}

  /** Envoy's own JSON view of what it was given (`/config_dump`), for the configuration comparison. */
  configDump(): Promise<{ configs?: Record<string, any>[] }> {
    return adminJson(this.adminPort, '/config_dump?include_eds');
  }

  async stop(): Promise<void> {
    await this.process.stop(5000);
  }
}

function outboundListener(dump: { configs?: Record<string, any>[] } | undefined, servicePort: number): ListenerAddress | undefined {
  for (const config of dump?.configs ?? []) {
    // `?resource=dynamic_listeners` lists DynamicListener entries; the whole dump nests them.
    for (const listener of config.dynamic_listeners ?? [config]) {
      const address = listener.active_state?.listener?.address?.socket_address;
      if (address && address.port_value === servicePort) return { host: address.address, port: servicePort };
    }
  }
  return undefined;
}

function adminJson(port: number, pathname: string): Promise<{ configs?: Record<string, any>[] }> {
  return new Promise((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}${pathname}`, { timeout: 5000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          if (response.statusCode !== 200) throw new Error(`${pathname} answered ${response.statusCode}`);
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}
