/**
 * Keeps every connected proxy's workload certificate current: issues it when the proxy connects
 * (its first snapshot waits for it, so the `default` SDS secret is always there) and, on a
 * periodic check, re-issues certificates that need rotation and has their proxies re-pushed.
 */
import type { ProxyIdentity } from '../push/contract';
import type { WorkloadIdentity } from './spiffe';
import type { WorkloadCertificate } from './workload-certs';

/** The parts of WorkloadCertificateCache the tracker uses. */
export interface ProxyCertificates {
  get(identity: WorkloadIdentity): Promise<WorkloadCertificate>;
  peek(identity: WorkloadIdentity): WorkloadCertificate | undefined;
  needsRotation(certificate: WorkloadCertificate): boolean;
}

export type CertificateReason = 'proxy:connected' | 'certificate:rotated';

export interface ProxyCertificateTrackerOptions {
  readonly certificates: ProxyCertificates;
  readonly checkIntervalMs: number;
  readonly connectedProxies: () => readonly ProxyIdentity[];
  readonly isConnected: (proxyId: string) => boolean;
  /** The proxy's certificate is issued: publish its snapshot. */
  readonly certificateReady: (proxy: ProxyIdentity, reason: CertificateReason) => void;
  readonly issueFailed: (proxy: ProxyIdentity, error: Error) => void;
}

function workloadOf(proxy: ProxyIdentity): WorkloadIdentity {
  return { namespace: proxy.namespace, serviceAccount: proxy.serviceAccount };
}

export class ProxyCertificateTracker {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly options: ProxyCertificateTrackerOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.rotateDue(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** True when the proxy's certificate is issued and still valid (it may be due for rotation). */
  hasCertificate(proxy: ProxyIdentity): boolean {
    return this.options.certificates.peek(workloadOf(proxy)) !== undefined;
  }

  /** True when the proxy's certificate is issued and not yet due for rotation. */
  isCurrent(proxy: ProxyIdentity): boolean {
    const certificate = this.options.certificates.peek(workloadOf(proxy));
    return certificate !== undefined && !this.options.certificates.needsRotation(certificate);
  }

  /** Issues (or rotates) the proxy's certificate, then reports it ready if the proxy is still connected. */
  issue(proxy: ProxyIdentity, reason: CertificateReason): Promise<void> {
    return this.options.certificates.get(workloadOf(proxy)).then(
      () => { if (this.options.isConnected(proxy.id)) this.options.certificateReady(proxy, reason); },
      (error: Error) => this.options.issueFailed(proxy, error));
  }

  /** One rotation pass; proxies sharing an identity share one issuance (the cache deduplicates). */
  async rotateDue(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const due = this.options.connectedProxies().filter((proxy) => !this.isCurrent(proxy));
      await Promise.all(due.map((proxy) => this.issue(proxy, 'certificate:rotated')));
    } finally {
      this.checking = false;
    }
  }
}
