/**
 * The operator's HTTP port: health, readiness, Prometheus metrics and debug views of what each
 * proxy was sent. Debug views are read-only JSON.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

/** What the ops server shows; the reconciler implements it. */
export interface OpsView {
  /** Ready or not, with a line per missing piece or degraded watch. */
  readiness(): { readonly ready: boolean; readonly details: readonly string[] };
  /** The exposition, whole or in chunks written one after the other. */
  metricsText(): string | readonly string[];
  /** The proxy's current snapshot as JSON, or undefined when it has none. */
  configDump(proxyId: string): unknown;
  /** Proxy ids with a snapshot, for the config_dump index. */
  proxyIds(): string[];
  syncz(): unknown;
  rejected(): unknown;
  /** Objects read but not served, and why. */
  ignored(): unknown;
  /** The traffic edges of the last `windowMs` (see TelemetryStore.edges). */
  traffic?(windowMs: number): unknown;
}

export class OpsServer {
  private readonly server: http.Server;

  constructor(private readonly view: OpsView) {
    this.server = http.createServer((request, response) => this.handle(request, response));
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error) => reject(new Error(`cannot listen for ops HTTP on ${host}:${port}: ${error.message}`)));
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://ops');
    switch (url.pathname) {
      case '/healthz':
        return text(response, 200, 'ok\n');
      case '/readyz': {
        const { ready, details } = this.view.readiness();
        return text(response, ready ? 200 : 503, [ready ? 'ready' : 'not ready', ...details].join('\n') + '\n');
      }
      case '/metrics':
        return text(response, 200, this.view.metricsText(), 'text/plain; version=0.0.4');
      case '/debug/config_dump': {
        const proxyId = url.searchParams.get('proxy');
        if (!proxyId) return json(response, 200, { proxies: this.view.proxyIds() });
        const dump = this.view.configDump(proxyId);
        return dump === undefined
          ? json(response, 404, { error: `no snapshot for proxy '${proxyId}'; see /debug/config_dump for connected proxies` })
          : json(response, 200, dump);
      }
      case '/debug/syncz':
        return json(response, 200, this.view.syncz());
      case '/debug/rejected':
        return json(response, 200, this.view.rejected());
      case '/debug/ignored':
        return json(response, 200, this.view.ignored());
      case '/debug/traffic': {
        const windowText = url.searchParams.get('window') ?? '60s';
        const windowMs = windowMillis(windowText);
        if (windowMs === undefined || !this.view.traffic) {
          return json(response, 400, { error: `window is '${windowText}'; give seconds or minutes, e.g. window=60s, 5m or 15m` });
        }
        try {
          return json(response, 200, { windowSeconds: windowMs / 1000, edges: this.view.traffic(windowMs) });
        } catch (error) {
          return json(response, 400, { error: (error as Error).message });
        }
      }
      default:
        return text(response, 404, 'not found\n');
    }
  }
}

function windowMillis(text: string): number | undefined {
  const match = /^(\d+)(s|m)$/.exec(text);
  return match ? Number(match[1]) * (match[2] === 'm' ? 60_000 : 1000) : undefined;
}

function text(response: http.ServerResponse, status: number, body: string | readonly string[], contentType = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': contentType });
  if (typeof body === 'string') {
    response.end(body);
    return;
  }
  for (const chunk of body) response.write(chunk);
  response.end();
}

function json(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body, null, 2)}\n`);
}
