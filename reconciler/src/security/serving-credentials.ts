/**
 * TLS credentials for the reconciler's xDS TLS port, signed by the mesh root so proxies verify the
 * reconciler with the same trust anchor as each other. The certificate is short-lived and replaced
 * in place at half its lifetime; open connections keep theirs, new ones get the fresh one.
 */
import * as grpc from '@grpc/grpc-js';
import type { CertificateAuthority } from './ca';
import { IssuedCertificate, ServingCertificateRequest, issueServingCertificate } from './workload-certs';

/** Server credentials whose key pair can be swapped while the server runs. */
class ReplaceableServerCredentials extends grpc.ServerCredentials {
  constructor(certificate: IssuedCertificate) {
    super({ requestCert: false }, contextOptions(certificate));
  }

  replace(certificate: IssuedCertificate): void {
    this.updateSecureContextOptions(contextOptions(certificate));
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

function contextOptions(certificate: IssuedCertificate) {
  return { cert: Buffer.from(certificate.certificateChainPem), key: Buffer.from(certificate.privateKeyPem) };
}

export interface ServingCredentialsOptions {
  /** @default 24 hours */
  readonly lifetimeMs?: number;
  /** Reports a failed re-issue (the previous certificate stays in use). */
  readonly onRenewalError?: (error: Error) => void;
}

export interface XdsServingCredentials {
  readonly credentials: grpc.ServerCredentials;
  /** The certificate in use now (the admission webhook serves the same one). */
  current(): IssuedCertificate;
  /** Called with every renewed certificate, after the gRPC credentials switched to it. */
  onRenewed(listener: (certificate: IssuedCertificate) => void): void;
  /** Stops renewing. */
  stop(): void;
}

const DEFAULT_LIFETIME_MS = 24 * 60 * 60 * 1000;

export async function createXdsServingCredentials(
  ca: CertificateAuthority, request: ServingCertificateRequest, options: ServingCredentialsOptions = {}): Promise<XdsServingCredentials> {
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_LIFETIME_MS;
  let current = await issueServingCertificate(ca, request, { lifetimeMs });
  const credentials = new ReplaceableServerCredentials(current);
  const listeners: ((certificate: IssuedCertificate) => void)[] = [];
  const timer = setInterval(() => {
    issueServingCertificate(ca, request, { lifetimeMs }).then(
      (certificate) => {
        current = certificate;
        credentials.replace(certificate);
        listeners.forEach((listener) => listener(certificate));
      },
      (error: Error) => options.onRenewalError?.(error));
  }, lifetimeMs / 2);
  timer.unref();
  return {
    credentials,
    current: () => current,
    onRenewed: (listener) => listeners.push(listener),
    stop: () => clearInterval(timer),
  };
}
