/** One HTTP/1.1 request with a fresh connection (no keep-alive, so each request is routed anew). */
import * as http from 'http';

export interface HttpResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * For reads of admin and ops endpoints (Envoy's /stats, the reconciler's /debug/*): they answer
 * in milliseconds, but a loaded machine can stall a process for seconds, and a poll that times
 * out fails the test instead of polling again.
 */
export const ADMIN_TIMEOUT_MS = 10_000;

export interface HttpRequestOptions {
  readonly host: string;
  readonly port: number;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

export function httpRequest(options: HttpRequestOptions): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: options.host, port: options.port, path: options.path ?? '/', method: options.method ?? 'GET',
      headers: options.headers, agent: false, timeout: options.timeoutMs ?? 5000,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`request to ${options.host}:${options.port}${options.path ?? '/'} timed out`)));
    request.on('error', reject);
    request.end(options.body);
  });
}
