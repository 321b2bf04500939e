/**
 * A real Envoy running as an ingress gateway for a scenario: the node an `IngressGateway` pod
 * sends (a `router~` id, the gateway's labels and service account, interception NONE) on its own
 * loopback address, configured by the reconciler like the sidecars. External clients call it
 * directly, plaintext or HTTPS with SNI.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { findEnvoy } from '../../../reconciler/test/support/envoy';
import { ADMIN_TIMEOUT_MS, httpRequest } from '../../../reconciler/test/support/http-request';
import { freePort, uniqueLoopbackAddress } from '../../../reconciler/test/support/ports';
import { terminate } from '../../../reconciler/test/support/terminate';
import { STARTUP_DEADLINE_MS, waitUntil } from '../../../reconciler/test/support/wait';
import { buildEnvoyBootstrap, ProxyNode } from '../../../src/model';

export interface GatewayProxyOptions {
  readonly xdsPort: number;
  /** The IngressGateway's `name`: the pod name prefix, service account and `app` label. */
  readonly name: string;
  readonly namespace: string;
}

export interface GatewayResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface GatewayRequest {
  readonly host: string;
  /** The port the gateway listens on (the Service target port, e.g. 8080). */
  readonly port: number;
  /** @default '/' */
  readonly path?: string;
  /** HTTPS: the CA that signed the gateway certificate; SNI is the host. */
  readonly tlsCa?: string;
}

export class GatewayProxy {
  /** The labels the IngressGateway construct gives its pods and selects in its Gateway. */
  static labelsFor(name: string): Record<string, string> {
    return { app: name, istio: 'ingressgateway' };
  }

  static async start(options: GatewayProxyOptions): Promise<GatewayProxy> {
    const address = uniqueLoopbackAddress();
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `gateway-${options.name}-`));
    const podName = `${options.name}-0`;
    const node: ProxyNode = {
      id: `router~${address}~${podName}.${options.namespace}~${options.namespace}.svc.cluster.local`,
      cluster: `${options.name}.${options.namespace}`,
      namespace: options.namespace,
      serviceAccount: options.name,
      name: podName,
      labels: GatewayProxy.labelsFor(options.name),
      instanceIp: address,
      interceptionMode: 'NONE',
    };
    const adminPort = await freePort(address);
    const bootstrap = buildEnvoyBootstrap({
      node,
      xds: { host: '127.0.0.1', port: options.xdsPort },
      adminAddress: address,
      adminPort,
      listenAddress: address,
      prometheusPort: await freePort(address),
      readinessPort: await freePort(address),
    });
    const bootstrapFile = path.join(workDir, 'bootstrap.json');
    fs.writeFileSync(bootstrapFile, JSON.stringify(bootstrap, null, 2));
    const logFile = path.join(workDir, 'envoy.log');
    const child = spawn(findEnvoy(), ['-c', bootstrapFile, '--concurrency', '1', '--use-dynamic-base-id', '--log-path', logFile, '-l', 'info',
      '--drain-time-s', '1', '--parent-shutdown-time-s', '2'], { stdio: ['ignore', 'ignore', 'ignore'] });
    const gateway = new GatewayProxy(node, address, adminPort, logFile, workDir, child);
    try {
      await waitUntil(`gateway Envoy admin on ${address}:${adminPort} (log: ${logFile})`, async () => {
        if (gateway.exited) throw new Error(`gateway Envoy exited at startup; log: ${logFile}`);
        return (await gateway.admin('/ready').catch(() => undefined)) !== undefined;
      }, STARTUP_DEADLINE_MS, 50);
    } catch (error) {
      await gateway.stop(true);
      throw error;
    }
    return gateway;
  }

  readonly description: string;
  private exited = false;

  private constructor(
    readonly node: ProxyNode,
    readonly address: string,
    private readonly adminPort: number,
    readonly logFile: string,
    private readonly workDir: string,
    private readonly child: ChildProcess,
  ) {
    this.description = `gateway Envoy ${node.name} on ${address} (log: ${logFile})`;
    child.once('exit', () => { this.exited = true; });
  }

  async admin(pathAndQuery: string): Promise<string> {
    return (await httpRequest({ host: this.address, port: this.adminPort, path: pathAndQuery, timeoutMs: ADMIN_TIMEOUT_MS })).body;
  }

  /** Waits until a listener on each port is active. */
  async waitForListeners(ports: readonly number[], timeoutMs = STARTUP_DEADLINE_MS): Promise<void> {
    await waitUntil(`gateway listeners on ${ports.join(', ')} (log: ${this.logFile})`, async () => {
      const dump = JSON.parse(await this.admin('/config_dump?resource=dynamic_listeners')) as { configs?: any[] };
      const active = (dump.configs ?? []).filter((entry) => entry.active_state).map((entry) => entry.name as string);
      return ports.every((port) => active.includes(`${this.address}_${port}`));
    }, timeoutMs, 100);
  }

  /** One request from outside the mesh, on a fresh connection. */
  request(request: GatewayRequest): Promise<GatewayResponse> {
    const common = {
      host: this.address,
      port: request.port,
      path: request.path ?? '/',
      method: 'GET',
      headers: { host: request.host },
      agent: false as const,
      timeout: 5000,
    };
    return new Promise((resolve, reject) => {
      const onResponse = (response: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      };
      const outgoing = request.tlsCa
        ? https.request({ ...common, ca: request.tlsCa, servername: request.host }, onResponse)
        : http.request(common, onResponse);
      outgoing.on('timeout', () => outgoing.destroy(new Error(`request to ${request.host} via gateway ${this.address}:${request.port} timed out`)));
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  /** Kills Envoy; keeps its files when asked (a failed test). */
  async stop(keepFiles = false): Promise<void> {
    await terminate(this.child);
    if (!keepFiles) fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}
