/**
 * The operator's HTTP port: health, readiness, Prometheus metrics and debug views of what each
 * proxy was sent. Debug views are read-only JSON; the only writes are operator actions on
 * rollouts (`POST /rollouts/<namespace>/<virtualservice>/<route>/<action>`), which need the
 * bearer token of `--ops-token-file` and are refused when none is configured. Replicas read each
 * other's canary totals on `/internal/subset-totals`, authenticated as the reconciler's service account.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { isAuthorizedBearer } from './bearer-token';
import { handleObservatory, ObservatoryApi } from '../observatory/observatory-http';
import { OPERATOR_ACTIONS, OperatorAction } from '../rollout/rollout-machine';
import { PEER_TOTALS_PATH } from '../telemetry/peer-totals';

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
  /** `/debug/rollouts`: every rollout's state, step, weight, verdict and history. */
  rollouts?(): unknown;
  /** Runs an operator action on the rollout `namespace/virtualservice/route`. */
  rolloutAction?(key: string, action: OperatorAction): Promise<{ readonly status: number; readonly body: unknown }>;
  /**
   * `GET /internal/subset-totals`: this replica's canary totals for the rollout leader, answered
   * only to the reconciler's own replicas (their service-account token in `authorization`).
   */
  peerTotals?(authorization: string | undefined): Promise<{ readonly status: number; readonly body: unknown }>;
  /** The token operator actions must carry; undefined refuses them. With one, `/ui` and `/api` need it too. */
  opsToken?(): string | undefined;
  /** The observatory's data for `/api`; without it `/api` answers 404. */
  readonly observatory?: ObservatoryApi;
  /** Where the bundled `/ui` pages are; without them `/ui` says how to build them. */
  readonly uiDirectory?: string;
}

const ROLLOUT_ACTION_PATH = /^\/rollouts\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/;

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
    if (handleObservatory(request, response, url, this.view.observatory, this.view.uiDirectory, this.view.opsToken?.())) return;
    const action = ROLLOUT_ACTION_PATH.exec(url.pathname);
    if (action) {
      void this.rolloutAction(request, response, action.slice(1, 4).map(decodeURIComponent).join('/'), decodeURIComponent(action[4]));
      return;
    }
    if (url.pathname === PEER_TOTALS_PATH && this.view.peerTotals) {
      request.resume();
      this.view.peerTotals(request.headers.authorization).then(
        (result) => json(response, result.status, result.body),
        (error: Error) => json(response, 500, { error: error.message }));
      return;
    }
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
      case '/debug/rollouts':
        return this.view.rollouts ? json(response, 200, this.view.rollouts()) : text(response, 404, 'not found\n');
      default:
        return text(response, 404, 'not found\n');
    }
  }

  private async rolloutAction(request: http.IncomingMessage, response: http.ServerResponse, key: string, action: string): Promise<void> {
    request.resume();
    if (request.method !== 'POST') {
      return json(response, 405, { error: `${request.method} ${request.url}: operator actions are POST requests, e.g. curl -X POST -H 'Authorization: Bearer <token>' http://<ops>/rollouts/<namespace>/<virtualservice>/<route>/pause` });
    }
    const token = this.view.opsToken?.();
    if (!token) {
      return json(response, 403, { error: 'operator actions are disabled: start the reconciler with --ops-token-file <file> holding a bearer token' });
    }
    if (!isAuthorizedBearer(request.headers.authorization, token)) {
      response.setHeader('www-authenticate', 'Bearer');
      return json(response, 401, { error: 'missing or wrong bearer token; send Authorization: Bearer <the token in --ops-token-file>' });
    }
    if (!OPERATOR_ACTIONS.includes(action as OperatorAction) || !this.view.rolloutAction) {
      return json(response, 404, { error: `unknown action '${action}'; use one of ${OPERATOR_ACTIONS.join(', ')}` });
    }
    try {
      const result = await this.view.rolloutAction(key, action as OperatorAction);
      return json(response, result.status, result.body);
    } catch (error) {
      return json(response, 500, { error: (error as Error).message });
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
