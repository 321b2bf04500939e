/**
 * One HTTP server per pod address of the mesh, on the service port: it answers with who it is and
 * what it received, so a request's outcome through either control plane's Envoy can be compared.
 * A request can ask the backend to fail (`x-backend-status`) or to be slow (`x-backend-delay-ms`);
 * every backend records where each `x-request-id` arrived (Envoy keeps the id across retries and
 * on mirrored copies), so attempts and copies can be told apart whatever the copies' authority.
 */
import * as http from 'http';
import type { MeshPod } from './mesh-under-test';
import { runChecked } from '../../../test/kubernetes/cluster/command';
import { requireTestNamespace } from '../../../test/kubernetes/cluster/test-network';

export const BACKEND_STATUS_HEADER = 'x-backend-status';
export const BACKEND_DELAY_HEADER = 'x-backend-delay-ms';
/** Request headers the backend reports back (those a case's header rules set or remove). */
const REPORTED_HEADER_PREFIX = 'x-case-';

export interface BackendAnswer {
  readonly app: string;
  readonly version: string;
  readonly method: string;
  /** Path and query as the backend received them (after rewrites). */
  readonly path: string;
  readonly authority: string;
  readonly requestId: string;
  /** How many times this request id reached this backend, this attempt included. */
  readonly attempt: number;
  readonly headers: Record<string, string>;
}

/** One arrival of a request id at a backend. */
export interface Arrival {
  readonly backend: string;
  readonly authority: string;
}

export class EchoBackends {
  /** `reportedHeaders`: request headers reported besides the `x-case-*` ones (e.g. the client certificate a sidecar forwards). */
  static async start(pods: readonly MeshPod[], port: number, reportedHeaders: readonly string[] = []): Promise<EchoBackends> {
    await requireTestNamespace();
    const backends = new EchoBackends([], reportedHeaders);
    for (const pod of pods) {
      await runChecked('ip', ['addr', 'replace', `${pod.address}/32`, 'dev', 'lo']);
      const server = http.createServer((request, response) => backends.answer(pod, request, response));
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, pod.address, () => resolve());
      });
      backends.servers.push(server);
    }
    return backends;
  }

  private readonly arrivals = new Map<string, Arrival[]>();

  private constructor(private readonly servers: http.Server[], private readonly reportedHeaders: readonly string[]) {}

  private answer(pod: MeshPod, request: http.IncomingMessage, response: http.ServerResponse): void {
    request.resume();
    request.on('end', () => {
      const authority = String(request.headers.host ?? '');
      const backend = `${pod.app}/${pod.version}`;
      const requestId = String(request.headers['x-request-id'] ?? '');
      const seen = this.arrivals.get(requestId) ?? [];
      seen.push({ backend, authority });
      if (requestId) this.arrivals.set(requestId, seen);
      const attempt = seen.filter((arrival) => arrival.backend === backend).length;
      const headers = Object.fromEntries(Object.entries(request.headers)
        .filter(([name]) => name.startsWith(REPORTED_HEADER_PREFIX) || this.reportedHeaders.includes(name))
        .map(([name, value]) => [name, String(value)]));
      const answer: BackendAnswer = { app: pod.app, version: pod.version, method: request.method ?? '', path: request.url ?? '', authority, requestId, attempt, headers };
      const status = Number(request.headers[BACKEND_STATUS_HEADER] ?? 200);
      const delayMs = Number(request.headers[BACKEND_DELAY_HEADER] ?? 0);
      const send = () => {
        if (response.destroyed) return;
        response.writeHead(Number.isInteger(status) && status >= 200 && status < 600 ? status : 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer));
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
  }

  /** Every arrival of `requestId` so far, at any backend. */
  arrivalsOf(requestId: string): readonly Arrival[] {
    return this.arrivals.get(requestId) ?? [];
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    })));
  }
}
