/**
 * A sidecar: a real Envoy connected over ADS to one control plane, with the node id and metadata
 * of an Istio sidecar that captures nothing (interception NONE), so its listeners bind real ports
 * and requests are sent to them directly. A client's outbound HTTP listener binds where each side
 * chooses (istiod localhost, the reconciler the pod address); a server's inbound listener binds the
 * pod address. The listener found tells where to send.
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
  /** Connect with TLS, trusting the CA that signed the listener's certificate; the SNI is the request's host. */
  readonly tls?: { readonly ca: Buffer };
  /** A new connection per request: after a listener update, a kept connection keeps the old filter chain until it drains. */
  readonly freshConnections?: boolean;
  /** The client address requests come from (for source-address rules). */
  readonly localAddress?: string;
}

export interface SidecarEnvoyOptions {
  /** `router` connects as a gateway (node id `router~…`), whose listeners come from Gateways. */
  readonly role?: 'sidecar' | 'router';
  /**
   * ADS over TLS to this port, the server verified against the root and name given: istiod gives
   * gateway credentials (Secrets) only to a proxy authenticated on its TLS port.
   */
  readonly xdsTls?: { readonly port: number; readonly rootCertificatePem: string; readonly serverName: string };
}

type Bootstrap = { node: { id: string }; static_resources: { clusters: Record<string, any>[] } };

function useXdsTls(config: Bootstrap, tls: NonNullable<SidecarEnvoyOptions['xdsTls']>): void {
  const xds = config.static_resources.clusters.find((cluster) => cluster.name === 'xds-grpc')!;
  xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = tls.port;
  xds.transport_socket = {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      'sni': tls.serverName,
      'common_tls_context': {
        alpn_protocols: ['h2'],
        validation_context: {
          trusted_ca: { inline_string: tls.rootCertificatePem },
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: tls.serverName } }],
        },
      },
    },
  };
}

export class SidecarEnvoy {
  /** `bindAddress`: wait for the listener on that address (a server's inbound), else any on the port. */
  static async start(
    plane: ControlPlane, pod: MeshPod, token: string, runDir: string, adminPort: number, servicePort: number, bindAddress?: string,
    options: SidecarEnvoyOptions = {},
  ): Promise<SidecarEnvoy> {
    // Short: the bootstrap names a unix socket in it, and those paths stop at 108 bytes.
    const dir = path.join(runDir, `envoy-${adminPort}`);
    fs.mkdirSync(dir, { recursive: true });
    const bootstrap = path.join(dir, 'bootstrap.json');
    const config = realEnvoyBootstrap(plane, { ...pod, service: 0 }, token, dir, adminPort) as Bootstrap;
    config.node.id = config.node.id.replace(/^sidecar~/, `${options.role ?? 'sidecar'}~`);
    if (options.xdsTls) useXdsTls(config, options.xdsTls);
    fs.writeFileSync(bootstrap, JSON.stringify(config));
    const envoy = ManagedProcess.start({
      command: findEnvoy(),
      // A replaced listener keeps its socket while it drains, and with reuse_port the kernel still hands it new
      // connections: a short drain lets a test wait until only the new listener accepts (`listenersDraining`).
      // Access log lines are flushed within 20 ms, so a request's line is there soon after its answer.
      args: ['-c', bootstrap, '--disable-hot-restart', '--concurrency', '1', '-l', 'warning', '--base-id', String(adminPort), '--drain-time-s', '1',
        '--file-flush-interval-msec', '20'],
      logFile: path.join(dir, 'envoy.log'),
    });
    return SidecarEnvoy.whenListening(plane, pod, envoy, dir, adminPort, servicePort, bindAddress);
  }

  /** Waits until the Envoy `process` runs (itself, or under istio-agent) has its listener; `dir` holds what to read on failure. */
  static async whenListening(
    plane: ControlPlane, pod: MeshPod, envoy: ManagedProcess, dir: string, adminPort: number, servicePort: number, bindAddress?: string,
  ): Promise<SidecarEnvoy> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!envoy.running) throw new Error(`the sidecar Envoy of ${plane.side} exited: ${envoy.tail()}`);
      const listener = listenerOn(await adminJson(adminPort, '/config_dump?resource=dynamic_listeners').catch(() => undefined), servicePort, bindAddress);
      if (listener) return new SidecarEnvoy(plane, adminPort, listener, envoy);
      if (Date.now() > deadline) {
        const dump = await adminJson(adminPort, '/config_dump').catch((error: Error) => ({ error: error.message }));
        fs.writeFileSync(path.join(dir, 'config_dump.json'), JSON.stringify(dump, null, 1));
        await envoy.stop(5000);
        throw new Error(`${plane.side}: the sidecar Envoy of ${pod.name} has no active listener on ${bindAddress ?? '*'}:${servicePort} after 60 s; its log, bootstrap and config dump are in ${dir}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private constructor(
    readonly plane: ControlPlane, readonly adminPort: number, readonly listener: ListenerAddress, private readonly process: ManagedProcess,
  ) {}

  /** Where the Envoy's standard output goes, access log lines included. */
  get logFile(): string {
    return this.process.logFile;
  }

  /** The same Envoy, with requests sent to another of its listeners (a router's HTTPS port). */
  through(listener: ListenerAddress): SidecarEnvoy {
    return new SidecarEnvoy(this.plane, this.adminPort, listener, this.process);
  }

  /** Envoy's own JSON view of what it was given (`/config_dump`), for the configuration comparison. */
  configDump(options: { resource?: string } = {}): Promise<{ configs?: Record<string, any>[] }> {
    return adminJson(this.adminPort, options.resource ? `/config_dump?resource=${options.resource}` : '/config_dump');
  }

  /** Endpoints per cluster, as Envoy's `/clusters` lists them (a cluster whose EDS has not arrived has none). */
  async endpointsPerCluster(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const match of (await adminText(this.adminPort, '/clusters')).matchAll(/^(\S+)::[^:\n]+:\d+::health_flags::/gm)) {
      counts.set(match[1], (counts.get(match[1]) ?? 0) + 1);
    }
    return counts;
  }

  /** Listeners and filter chains still draining after an update (`listener_manager.total_*_draining`). */
  async listenersDraining(): Promise<number> {
    const text = await adminText(this.adminPort, '/stats?filter=^listener_manager.total_(listeners|filter_chains)_draining$');
    const gauges = [...text.matchAll(/total_(?:listeners|filter_chains)_draining: (\d+)/g)].map((match) => Number(match[1]));
    if (gauges.length === 0) throw new Error(`${this.plane.side}: Envoy's stats have no listener_manager.total_*_draining gauges: ${text.slice(0, 200)}`);
    return gauges.reduce((sum, value) => sum + value, 0);
  }

  async stop(): Promise<void> {
    await this.process.stop(5000);
  }
}

function listenerOn(dump: { configs?: Record<string, any>[] } | undefined, servicePort: number, bindAddress?: string): ListenerAddress | undefined {
  for (const config of dump?.configs ?? []) {
    // `?resource=dynamic_listeners` lists DynamicListener entries; the whole dump nests them.
    for (const listener of config.dynamic_listeners ?? [config]) {
      const address = listener.active_state?.listener?.address?.socket_address;
      if (address && address.port_value === servicePort && (!bindAddress || address.address === bindAddress)) {
        return { host: address.address, port: servicePort };
      }
    }
  }
  return undefined;
}

async function adminJson(port: number, pathname: string): Promise<{ configs?: Record<string, any>[] }> {
  return JSON.parse(await adminText(port, pathname));
}

function adminText(port: number, pathname: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}${pathname}`, { timeout: 5000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          if (response.statusCode !== 200) throw new Error(`${pathname} answered ${response.statusCode}`);
          resolve(Buffer.concat(chunks).toString('utf8'));
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}
