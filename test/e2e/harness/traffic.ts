/**
 * HTTP traffic through a client sidecar: single requests and batches over keep-alive connections
 * (modest concurrency), summarised as who answered, with which status, and how fast.
 */
import * as http from 'http';
import { InstanceReply, SERVED_BY_HEADER } from './recording-backend';

export interface MeshRequest {
  /** MeshService name; the request's Host is its FQDN unless `host` is given. */
  readonly service?: string;
  /** Host header, e.g. a short name or an external host. */
  readonly host?: string;
  /** Service port. @default the service's first port */
  readonly port?: number;
  /** @default '/' */
  readonly path?: string;
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** Where a request is sent: the caller's egress listener and the Host it carries. */
export interface ResolvedTarget {
  readonly address: string;
  readonly port: number;
  readonly host: string;
}

export interface MeshResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The answering version and instance when a placed backend answered (not Envoy itself). */
  readonly version?: string;
  readonly instance?: string;
  readonly latencyMs: number;
}

export class KeepAliveClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  async send(target: ResolvedTarget, request: MeshRequest): Promise<MeshResponse> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const outgoing = http.request({
        host: target.address,
        port: target.port,
        path: request.path ?? '/',
        method: request.method ?? 'GET',
        headers: { ...request.headers, host: target.host },
        agent: this.agent,
        timeout: request.timeoutMs ?? 5000,
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body,
            ...answeredBy(response.headers, body),
            latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
          });
        });
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error(`request to ${target.host} via ${target.address}:${target.port}${request.path ?? '/'} timed out`)));
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function answeredBy(headers: http.IncomingHttpHeaders, body: string): { version?: string; instance?: string } {
  if (!headers[SERVED_BY_HEADER]) return {};
  try {
    const reply = JSON.parse(body) as InstanceReply;
    return { version: reply.version, instance: reply.instance };
  } catch {
    return {};
  }
}

/** What a batch of requests produced. */
export interface TrafficSummary {
  readonly total: number;
  /** Answers by version; requests Envoy answered itself are not counted here. */
  readonly versions: Readonly<Record<string, number>>;
  readonly instances: Readonly<Record<string, number>>;
  readonly statuses: Readonly<Record<string, number>>;
  /** Requests that got no HTTP response at all (connection errors, timeouts), with their messages. */
  readonly errors: readonly string[];
  readonly latenciesMs: readonly number[];
  /** Percentage (0–100) of all requests that the version answered. */
  share(version: string): number;
}

export interface SendManyOptions {
  /** Requests in flight at once. @default 16 */
  readonly concurrency?: number;
  /** Spread the requests evenly at this rate instead of as fast as possible. */
  readonly ratePerSecond?: number;
}

export async function sendMany(
  count: number, send: (index: number) => Promise<MeshResponse>, options: SendManyOptions = {}): Promise<TrafficSummary> {
  const versions: Record<string, number> = {};
  const instances: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  const latenciesMs: number[] = [];
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      if (options.ratePerSecond) {
        const due = started + (index * 1000) / options.ratePerSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      try {
        const response = await send(index);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.version !== undefined) versions[response.version] = (versions[response.version] ?? 0) + 1;
        if (response.instance !== undefined) instances[response.instance] = (instances[response.instance] ?? 0) + 1;
        latenciesMs.push(response.latencyMs);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, count) }, worker));
  return {
    total: count,
    versions,
    instances,
    statuses,
    errors,
    latenciesMs,
    share: (version) => (100 * (versions[version] ?? 0)) / count,
  };
}
