/**
 * The issuer's key set served over HTTP on loopback, for RequestAuthentications that name a
 * `jwksUri`: istiod fetches it itself, the reconciler has the sidecar fetch it. Counts the fetches,
 * so a test can tell the key set was asked for.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export class JwksServer {
  static readonly PATH = '/.well-known/jwks.json';

  static async start(keySet: string, port: number): Promise<JwksServer> {
    const server = http.createServer((request, response) => {
      if (request.url !== JwksServer.PATH) {
        response.writeHead(404).end();
        return;
      }
      jwks.fetches++;
      response.writeHead(200, { 'content-type': 'application/json' }).end(keySet);
    });
    const jwks = new JwksServer(server);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    return jwks;
  }

  fetches = 0;

  private constructor(private readonly server: http.Server) {}

  get uri(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${JwksServer.PATH}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
