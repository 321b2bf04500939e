/**
 * Small HTTP backends on loopback: each replies with its name, version and the request it saw, so
 * a test can tell which backend (and subset) Envoy routed to and which headers arrived.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface BackendReply {
  readonly name: string;
  readonly version: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface TestBackend {
  readonly name: string;
  readonly version: string;
  readonly address: string;
  readonly port: number;
  /** Requests served so far. */
  readonly hits: number;
  close(): Promise<void>;
}

export async function startBackend(name: string, version: string, address: string, port = 0): Promise<TestBackend> {
  let hits = 0;
  const server = http.createServer((request, response) => {
    hits += 1;
    const reply: BackendReply = { name, version, method: request.method ?? '', path: request.url ?? '', headers: request.headers };
    response.writeHead(200, { 'content-type': 'application/json', 'x-backend': `${name}-${version}` });
    response.end(JSON.stringify(reply));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    name,
    version,
    address,
    port: (server.address() as AddressInfo).port,
    get hits() {
      return hits;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
