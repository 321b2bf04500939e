/**
 * The validating admission webhook's HTTPS server: POST /validate with an AdmissionReview, answered
 * with the reconciler's verdict. TLS comes from the mesh CA (the serving certificate of the xDS TLS
 * port, the API server trusting the mesh root set as the webhook's caBundle) and is swapped in place
 * when that certificate is renewed.
 */
import * as https from 'https';
import type { AddressInfo } from 'net';
import { AdmissionCheck, reviewAdmission } from './admission-review';
import { WEBHOOK_PATH } from '../model';

/** The API server sends at most about 3 MiB of object in one review. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface KeyPair {
  readonly certificateChainPem: string;
  readonly privateKeyPem: string;
}

export interface WebhookServerOptions {
  readonly check: AdmissionCheck;
  readonly certificate: KeyPair;
  /** Reports a review that could not be answered (a malformed body). */
  readonly onError?: (error: Error) => void;
  /** Counts answered reviews by outcome. */
  readonly onReviewed?: (allowed: boolean) => void;
}

export class WebhookServer {
  private readonly server: https.Server;

  constructor(private readonly options: WebhookServerOptions) {
    this.server = https.createServer(tlsOptions(options.certificate), (request, response) => this.handle(request, response));
  }

  /** Uses a renewed certificate for new connections. */
  replaceCertificate(certificate: KeyPair): void {
    this.server.setSecureContext(tlsOptions(certificate));
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error) => reject(new Error(`cannot listen for the admission webhook on ${host}:${port}: ${error.message}`)));
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: import('http').IncomingMessage, response: import('http').ServerResponse): void {
    const url = new URL(request.url ?? '/', 'https://webhook');
    if (url.pathname !== WEBHOOK_PATH || request.method !== 'POST') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`POST ${WEBHOOK_PATH} with an AdmissionReview\n`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413, { 'content-type': 'text/plain' }).end(`the review is larger than ${MAX_BODY_BYTES} bytes\n`);
        return;
      }
      try {
        const answer = reviewAdmission(JSON.parse(Buffer.concat(chunks).toString('utf8')), this.options.check);
        this.options.onReviewed?.((answer.response as { allowed: boolean }).allowed);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      } catch (error) {
        this.options.onError?.(error as Error);
        response.writeHead(400, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`);
      }
    });
  }
}

function tlsOptions(certificate: KeyPair) {
  return { cert: certificate.certificateChainPem, key: certificate.privateKeyPem, minVersion: 'TLSv1.2' as const };
}
