/**
 * Client traffic for acceptance tests: many requests over a small pool of keep-alive connections
 * (Envoy routes every request anew, so connection reuse does not bias routing), and a steady
 * request loop that records every outcome with its time.
 */
import * as http from 'http';
import type { HttpResult } from './http-request';

export interface TrafficTarget {
  readonly host: string;
  readonly port: number;
  /** The Host header, i.e. the service the request is for. */
  readonly authority: string;
  readonly path?: string;
}

export class KeepAliveClient {
  private readonly agent: http.Agent;

  constructor(private readonly target: TrafficTarget, maxSockets = 8) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  get(headers: Record<string, string> = {}, timeoutMs = 5000): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const request = http.request({
        host: this.target.host, port: this.target.port, path: this.target.path ?? '/', agent: this.agent, timeout: timeoutMs,
        headers: { host: this.target.authority, ...headers },
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`request to ${this.target.host}:${this.target.port} timed out`)));
      request.on('error', reject);
      request.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `count` calls of `send`, at most `concurrency` at a time, and returns the results in order. */
export async function sendMany<T>(count: number, concurrency: number, send: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await send(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export interface LoopOutcome {
  /** When the response (or failure) arrived, `Date.now()`. */
  readonly at: number;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

/** Sends requests back to back on `workers` connections until stopped; records every outcome. */
export class RequestLoop {
  readonly outcomes: LoopOutcome[] = [];
  private running = true;
  private readonly done: Promise<void[]>;

  constructor(private readonly client: KeepAliveClient, workers = 2) {
    this.done = Promise.all(Array.from({ length: workers }, () => this.work()));
  }

  private async work(): Promise<void> {
    while (this.running) {
      try {
        const response = await this.client.get({}, 2000);
        this.outcomes.push({ at: Date.now(), status: response.status, body: response.body });
      } catch (error) {
        this.outcomes.push({ at: Date.now(), error: (error as Error).message });
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
