/**
 * Servers outside the mesh that speak TLS, for DestinationRules that have the sidecar originate it
 * (`tls.mode` SIMPLE or MUTUAL): one that verifies nothing of the client, one that requires a client
 * certificate from its CA. Both answer as the echo backends do, and say which client certificate
 * was presented (its CN as the version, `anonymous` without one). The certificates are made per run
 * with openssl into files both sides' sidecars read: the upstream CA, another CA no server uses,
 * the server certificate (for `tls-upstream.example.com`) and a client certificate.
 */
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import type { TLSSocket } from 'tls';
import { runChecked } from '../cluster/command';

export const TLS_UPSTREAM_HOST = 'tls-upstream.example.com';
export const TLS_UPSTREAM_PORT = 9443;
export const CLIENT_CERT_CN = 'mesh-client';
export const TLS_UPSTREAM_ADDRESSES = { simple: '198.18.241.80', mutual: '198.18.241.81' } as const;
export type TlsUpstreamKind = keyof typeof TLS_UPSTREAM_ADDRESSES;

export interface TlsFiles {
  readonly ca: string;
  readonly otherCa: string;
  readonly clientCertificate: string;
  readonly clientKey: string;
}

/** `@name` in an argument is a file of `dir`. */
async function openssl(dir: string, args: string[]): Promise<void> {
  await runChecked('openssl', args.map((arg) => (arg.startsWith('@') ? path.join(dir, arg.slice(1)) : arg)));
}

/**
 * A CA (and another no server uses), a server certificate for `serverNames` and a client
 * certificate, signed by the CA, as PEM files in `dir` (`ca.pem`, `server.pem`/`server.key`,
 * `client.pem`/`client.key`, `other-ca.pem`).
 */
export async function makeCertificates(dir: string, serverNames: readonly string[] = [TLS_UPSTREAM_HOST]): Promise<TlsFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    await openssl(dir, ['req', '-x509', ...key, '-keyout', `@${ca}.key`, '-out', `@${ca}.pem`, '-subj', `/CN=${ca}`, '-days', '2']);
  }
  const issue = async (name: string, subject: string, extensions: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
    await openssl(dir, ['req', ...key, '-keyout', `@${name}.key`, '-out', `@${name}.csr`, '-subj', subject]);
    await openssl(dir, ['x509', '-req', '-in', `@${name}.csr`, '-CA', '@ca.pem', '-CAkey', '@ca.key', '-CAcreateserial', '-out', `@${name}.pem`, '-days', '2', '-extfile', `@${name}.ext`]);
  };
  await issue('server', `/CN=${serverNames[0]}`, `subjectAltName=${serverNames.map((name) => `DNS:${name}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
  await issue('client', `/CN=${CLIENT_CERT_CN}`, 'extendedKeyUsage=clientAuth\n');
  // Envoy and both agents read these as another user may: world-readable, in a run directory of the test's own.
  for (const file of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, file), 0o644);
  return { ca: path.join(dir, 'ca.pem'), otherCa: path.join(dir, 'other-ca.pem'), clientCertificate: path.join(dir, 'client.pem'), clientKey: path.join(dir, 'client.key') };
}

/** The server certificate `makeCertificates` made in `dir`, as PEM text. */
export function serverCertificate(dir: string): { certificatePem: string; keyPem: string } {
  return { certificatePem: fs.readFileSync(path.join(dir, 'server.pem'), 'utf8'), keyPem: fs.readFileSync(path.join(dir, 'server.key'), 'utf8') };
}

export class TlsUpstreams {
  static async start(dir: string): Promise<TlsUpstreams> {
    const files = await makeCertificates(dir);
    const read = (name: string) => fs.readFileSync(path.join(dir, name));
    const servers: https.Server[] = [];
    for (const [kind, address] of Object.entries(TLS_UPSTREAM_ADDRESSES) as [TlsUpstreamKind, string][]) {
      await runChecked('ip', ['addr', 'replace', `${address}/32`, 'dev', 'lo']);
      const mutual = kind === 'mutual';
      const server = https.createServer({ key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: mutual, rejectUnauthorized: mutual }, (request, response) => {
        request.resume();
        const peer = (request.socket as TLSSocket).getPeerCertificate();
        const version = peer?.subject?.CN ? String(peer.subject.CN) : 'anonymous';
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({
          app: `tls-upstream-${kind}`,
          version,
          method: request.method ?? '',
          path: request.url ?? '',
          authority: String(request.headers.host ?? ''),
          requestId: String(request.headers['x-request-id'] ?? ''),
          attempt: 1,
          headers: {},
        }));
      });
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(TLS_UPSTREAM_PORT, address, resolve));
      servers.push(server);
    }
    return new TlsUpstreams(files, servers);
  }

  private constructor(readonly files: TlsFiles, private readonly servers: https.Server[]) {}

  async stop(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
