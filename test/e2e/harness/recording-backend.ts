/**
 * The application behind one workload instance: an HTTP server on the instance's loopback address
 * that answers with who it is and remembers every request it saw (by Host header), so a scenario
 * can tell which version answered and which copies (e.g. mirrored requests) arrived.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

/** The JSON body every instance answers with. */
export interface InstanceReply {
  readonly service: string;
  readonly version: string;
  readonly instance: string;
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** Identifies the answering instance without parsing the body. */
export const SERVED_BY_HEADER = 'x-served-by';

export interface InstanceIdentity {
  readonly service: string;
  readonly version: string;
  /** Unique per instance, e.g. `reviews-v1-0`. */
  readonly instance: string;
}

export interface RunningBackend extends InstanceIdentity {
  readonly address: string;
  readonly port: number;
  /** Requests served so far. */
  readonly hits: number;
  /** Requests served so far, by the Host (`:authority`) they carried. */
  hitsByHost(): Record<string, number>;
  close(): Promise<void>;
}

export async function startRecordingBackend(identity: InstanceIdentity, address: string): Promise<RunningBackend> {
  const byHost = new Map<string, number>();
  let hits = 0;
  const server = http.createServer((request, response) => {
    hits += 1;
    const host = request.headers.host ?? '';
    byHost.set(host, (byHost.get(host) ?? 0) + 1);
    // Drain the body first so keep-alive connections stay usable.
    request.resume();
    request.on('end', () => {
      const reply: InstanceReply = { ...identity, method: request.method ?? '', path: request.url ?? '', headers: request.headers };
      response.writeHead(200, { 'content-type': 'application/json', [SERVED_BY_HEADER]: identity.instance });
      response.end(JSON.stringify(reply));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  return {
    ...identity,
    address,
    port: (server.address() as AddressInfo).port,
    get hits() {
      return hits;
    },
    hitsByHost: () => Object.fromEntries(byHost),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
