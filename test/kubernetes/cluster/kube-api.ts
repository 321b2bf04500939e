/**
 * A small client of the Kubernetes REST API (JSON over HTTPS with a bearer token), enough for the
 * node agent and the tests: requests, patches, the status and binding subresources, and watches.
 */
import * as https from 'https';

/** The fields of a Kubernetes object every caller reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    creationTimestamp?: string;
    ownerReferences?: Record<string, unknown>[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export interface KubeList<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** A failed request, with the API server's own message. */
export class KubeApiError extends Error {
  constructor(readonly method: string, readonly path: string, readonly status: number, readonly reason: string, message: string) {
    super(`${method} ${path} answered ${status} ${reason}: ${message}`);
  }
}

export interface KubeApiOptions {
  /** `https://host:port` */
  readonly server: string;
  readonly token: string;
  readonly caCertPem: string;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
  /** @default 30 000 */
  readonly timeoutMs?: number;
}

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export interface Watch {
  /** Resolves when the watch ends: stopped, closed by the server, or failed (with the error). */
  readonly ended: Promise<Error | undefined>;
  stop(): void;
}

export class KubeApi {
  private readonly agent: https.Agent;
  private readonly url: URL;

  constructor(readonly options: KubeApiOptions) {
    this.url = new URL(options.server);
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: options.caCertPem });
  }

  get<T = KubeObject>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /** GET, or undefined when the object does not exist. */
  async find<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  list<T = KubeObject>(path: string, query?: RequestOptions['query']): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', path, { query });
  }

  create<T = KubeObject>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  replace<T = KubeObject>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  patch<T = KubeObject>(path: string, patch: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: PATCH_CONTENT_TYPES[type] });
  }

  delete<T = KubeObject>(path: string, options: Record<string, unknown> = {}): Promise<T> {
    return this.request<T>('DELETE', path, { body: { apiVersion: 'v1', kind: 'DeleteOptions', ...options } });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const text = await this.requestText(method, path, options);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A request whose answer is not JSON (`/readyz`, logs). */
  async requestText(method: string, path: string, options: RequestOptions = {}): Promise<string> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = https.request({
        ...this.target(path, options.query),
        method,
        timeout: options.timeoutMs ?? 30_000,
        headers: {
          ...this.headers(),
          ...(body !== undefined ? { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)));
      request.on('error', reject);
      request.end(body);
    });
    if (response.status >= 200 && response.status < 300) return response.text;
    const status = parseStatus(response.text);
    throw new KubeApiError(method, path, response.status, status.reason ?? '', status.message ?? response.text.slice(0, 500));
  }

  /**
   * Watches a collection from `resourceVersion`, calling `onEvent` for each event in order. The
   * watch ends when the server closes it (its timeout, or 410 Gone as an ERROR event) or on stop().
   */
  watch<T>(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent<T>) => void): Watch {
    let request: ReturnType<typeof https.request> | undefined;
    let stopped = false;
    const ended = new Promise<Error | undefined>((resolve) => {
      request = https.request({
        ...this.target(path, { ...query, watch: true, allowWatchBookmarks: true }),
        method: 'GET',
        headers: this.headers(),
      }, (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const status = parseStatus(Buffer.concat(chunks).toString('utf8'));
            resolve(new KubeApiError('WATCH', path, res.statusCode ?? 0, status.reason ?? '', status.message ?? ''));
          });
          return;
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let newline: number;
          while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line && !stopped) onEvent(JSON.parse(line) as WatchEvent<T>);
          }
        });
        res.on('end', () => resolve(undefined));
        res.on('error', (error) => resolve(stopped ? undefined : error));
      });
      request.on('error', (error) => resolve(stopped ? undefined : error));
      request.end();
    });
    return {
      stop: () => {
        stopped = true;
        request?.destroy();
      },
      ended,
    };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private target(path: string, query: RequestOptions['query']): https.RequestOptions {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) search.set(key, String(value));
    }
    const text = search.toString();
    return {
      host: this.url.hostname,
      port: this.url.port || 443,
      path: text ? `${path}?${text}` : path,
      agent: this.agent,
    };
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}`, accept: 'application/json' };
  }
}

function parseStatus(text: string): { reason?: string; message?: string } {
  try {
    return JSON.parse(text) as { reason?: string; message?: string };
  } catch {
    return { message: text.slice(0, 500) };
  }
}
