/**
 * A real Kiali server (built by `scripts/test-binaries/ensure.sh kiali`) beside the test cluster,
 * as someone runs it outside a cluster: it reads the cluster through the admin kubeconfig
 * (`deployment.remote_secret_path`), the mesh's traffic from a Prometheus, lets anyone in
 * (`auth.strategy: anonymous`), and leaves out what needs istiod (its API and component status).
 * Only its HTTP API is used; the console is a placeholder page the config requires.
 */
import * as fs from 'fs';
import * as path from 'path';
import { httpRequest } from '../../../reconciler/test/support/http-request';
import { freePort } from '../../../reconciler/test/support/ports';
import { waitUntil } from '../../../reconciler/test/support/wait';
import { ManagedProcess } from '../cluster/managed-process';

/** Kiali serves everything, the API included, under this path. */
const WEB_ROOT = '/kiali';

export interface KialiServerOptions {
  readonly binary: string;
  /** Its config, console and log go here. */
  readonly runDir: string;
  /** The cluster Kiali reads (the admin kubeconfig of the test cluster). */
  readonly kubeconfigFile: string;
  /** Istio's cluster id, as the metrics' `source_cluster` and `destination_cluster` carry it. */
  readonly clusterName: string;
  /** The namespace of the control plane (the reconciler's). */
  readonly controlPlaneNamespace: string;
  /** e.g. `http://127.0.0.1:9090` */
  readonly prometheusUrl: string;
}

/** Kiali's graph, as `/api/namespaces/graph` answers it (the fields the tests read). */
export interface KialiGraph {
  readonly elements: {
    readonly nodes?: { readonly data: KialiNode }[];
    readonly edges?: { readonly data: KialiEdge }[];
  };
}

export interface KialiNode {
  readonly id: string;
  readonly nodeType: string;
  readonly namespace: string;
  readonly app?: string;
  readonly version?: string;
  readonly workload?: string;
}

export interface KialiEdge {
  readonly source: string;
  readonly target: string;
  /** Percent of the requests over mutual TLS, as text (`"100"`); absent when none were. */
  readonly isMTLS?: string;
  readonly traffic?: {
    readonly protocol: string;
    /** Requests per second (`http`) and the percent of them that failed (`httpPercentErr`), as text. */
    readonly rates?: Readonly<Record<string, string>>;
  };
}

export class KialiServer {
  static async start(options: KialiServerOptions): Promise<KialiServer> {
    const dir = path.join(options.runDir, 'kiali');
    const consoleDir = path.join(dir, 'console');
    fs.mkdirSync(consoleDir, { recursive: true });
    fs.writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>Kiali</title><p>API only.</p>\n');
    const port = await freePort();
    const configFile = path.join(dir, 'kiali.yaml');
    // JSON is YAML: no templating of Kiali's config text.
    fs.writeFileSync(configFile, `${JSON.stringify({
      in_cluster: false,
      istio_namespace: options.controlPlaneNamespace,
      auth: { strategy: 'anonymous' },
      deployment: { remote_secret_path: options.kubeconfigFile, cluster_wide_access: true, namespace: options.controlPlaneNamespace },
      kubernetes_config: { cluster_name: options.clusterName },
      server: {
        address: '127.0.0.1',
        port,
        web_root: WEB_ROOT,
        static_content_root_directory: consoleDir,
        // Its own metrics would take port 9090 on every interface.
        observability: { metrics: { enabled: false } },
      },
      external_services: {
        prometheus: { url: options.prometheusUrl },
        grafana: { enabled: false },
        tracing: { enabled: false },
        istio: { istio_api_enabled: false, component_status: { enabled: false } },
      },
      // Anonymous access still signs its session cookies; any 32 characters do for a test.
      login_token: { signing_key: 'kiali-test-signing-key-0123456789' },
    }, undefined, 2)}\n`);
    const process = ManagedProcess.start({ command: options.binary, args: ['-config', configFile], logFile: path.join(dir, 'kiali.log') });
    const server = new KialiServer(port, process);
    try {
      await waitUntil(`Kiali to answer /api/status on 127.0.0.1:${port} (log: ${process.logFile})`, async () => {
        if (!process.running) throw new Error(`Kiali exited at startup (${JSON.stringify(process.status)}):\n${process.tail(30)}`);
        const status = await httpRequest({ host: '127.0.0.1', port, path: `${WEB_ROOT}/api/status`, timeoutMs: 5000 }).catch(() => undefined);
        return status?.status === 200;
      }, 90_000, 250);
    } catch (error) {
      await process.stop(5000);
      throw error;
    }
    return server;
  }

  private constructor(readonly port: number, private readonly process: ManagedProcess) {}

  get logFile(): string {
    return this.process.logFile;
  }

  /** GETs `apiPath` (after `/kiali/api`) and parses the JSON answer; fails on any status but 200. */
  async api<T>(apiPath: string): Promise<T> {
    const response = await httpRequest({ host: '127.0.0.1', port: this.port, path: `${WEB_ROOT}/api${apiPath}`, timeoutMs: 30_000 });
    if (response.status !== 200) throw new Error(`Kiali answered ${response.status} to ${apiPath}: ${response.body.slice(0, 1000)} (log: ${this.logFile})`);
    return JSON.parse(response.body) as T;
  }

  /** The versioned-app graph of `namespace` over the last `durationSeconds`, as the console's graph page asks for it. */
  graph(namespace: string, durationSeconds: number): Promise<KialiGraph> {
    return this.api<KialiGraph>(`/namespaces/graph?namespaces=${encodeURIComponent(namespace)}&graphType=versionedApp&duration=${durationSeconds}s`);
  }

  async stop(): Promise<void> {
    await this.process.stop(5000);
  }
}
