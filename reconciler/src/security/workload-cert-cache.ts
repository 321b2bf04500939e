/**
 * One current certificate per workload identity, re-issued once less than half of its lifetime
 * remains so proxies always rotate well before expiry.
 */
import { CertificateAuthority } from './ca';
import { WorkloadIdentity, spiffeId } from './spiffe';
import { DEFAULT_WORKLOAD_CERT_LIFETIME_MS, WorkloadCertificate, issueWorkloadCertificate } from './workload-certs';

export interface WorkloadCertificateCacheOptions {
  /** @default 24 hours */
  readonly lifetimeMs?: number;
  /** Injectable clock for rotation decisions. @default () => new Date() */
  readonly clock?: () => Date;
}

export class WorkloadCertificateCache {
  private readonly lifetimeMs: number;
  private readonly clock: () => Date;
  /** Promises rather than values, so concurrent requests for one identity share one issuance. */
  private readonly entries = new Map<string, Promise<WorkloadCertificate>>();
  /** The latest issued certificate per identity, for synchronous readers such as xDS generation. */
  private readonly issued = new Map<string, WorkloadCertificate>();

  constructor(private readonly ca: CertificateAuthority, options: WorkloadCertificateCacheOptions = {}) {
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_WORKLOAD_CERT_LIFETIME_MS;
    this.clock = options.clock ?? (() => new Date());
  }

  /** The current certificate for the identity, issuing or rotating it when needed. */
  async get(identity: WorkloadIdentity): Promise<WorkloadCertificate> {
    const key = spiffeId(this.ca.trustDomain, identity);
    const cached = this.entries.get(key);
    if (cached) {
      const certificate = await cached.catch(() => undefined);
      if (certificate && !this.needsRotation(certificate)) return certificate;
      // Another caller may already have replaced the entry while this one awaited.
      const current = this.entries.get(key);
      if (current && current !== cached) return current;
    }
    const issuing = issueWorkloadCertificate(this.ca, identity, { now: this.clock(), lifetimeMs: this.lifetimeMs });
    this.entries.set(key, issuing);
    issuing.then((certificate) => this.issued.set(key, certificate), () => {
      if (this.entries.get(key) === issuing) this.entries.delete(key);
    });
    return issuing;
  }

  /**
   * The identity's latest certificate if it is still valid, without issuing; call `get` first
   * (on proxy connect, and again when `needsRotation` says so) to make one available.
   */
  peek(identity: WorkloadIdentity): WorkloadCertificate | undefined {
    const certificate = this.issued.get(spiffeId(this.ca.trustDomain, identity));
    return certificate && certificate.notAfter.getTime() > this.clock().getTime() ? certificate : undefined;
  }

  /** Whether a certificate has less than half of its configured lifetime left. */
  needsRotation(certificate: WorkloadCertificate): boolean {
    const remainingMs = certificate.notAfter.getTime() - this.clock().getTime();
    return remainingMs < this.lifetimeMs / 2;
  }
}
