/**
 * Short-lived leaf certificates signed by the mesh root: SPIFFE workload certificates for mTLS
 * between sidecars, and the DNS-named serving certificate of the reconciler's own xDS TLS port.
 */
import { CertificateAuthority } from './ca';
import { EXTENDED_KEY_USAGE, LeafFields, SubjectAltName, encodeLeafCertificate } from './certificate-encoder';
import { WorkloadIdentity, spiffeId } from './spiffe';

export const DEFAULT_WORKLOAD_CERT_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Backdating tolerates small clock differences between the reconciler and the proxies. */
export const CLOCK_SKEW_ALLOWANCE_MS = 60 * 1000;

/** A freshly issued leaf with its private key, in the PEM form Envoy loads. */
export interface IssuedCertificate {
  /** The leaf certificate PEM (the root is distributed separately as `ROOTCA`). */
  readonly certificateChainPem: string;
  readonly privateKeyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface WorkloadCertificate extends IssuedCertificate {
  readonly spiffeId: string;
}

export interface IssueOptions {
  /** Issuance instant. @default now */
  readonly now?: Date;
  /** @default 24 hours */
  readonly lifetimeMs?: number;
}

type LeafRequest = Pick<LeafFields, 'subject' | 'subjectAltNames' | 'extendedKeyUsages'>;

async function issueLeaf(ca: CertificateAuthority, request: LeafRequest, options: IssueOptions): Promise<IssuedCertificate> {
  const now = options.now ?? new Date();
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_WORKLOAD_CERT_LIFETIME_MS;
  if (!(lifetimeMs > 0)) {
    throw new Error(`certificate lifetime ${lifetimeMs} ms is invalid; use a positive number of milliseconds (default ${DEFAULT_WORKLOAD_CERT_LIFETIME_MS})`);
  }
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_ALLOWANCE_MS);
  const notAfter = new Date(now.getTime() + lifetimeMs);
  const leaf = encodeLeafCertificate(ca.leafSigning, { ...request, notBefore, notAfter });
  return { certificateChainPem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem, notBefore, notAfter };
}

/**
 * A client-and-server certificate whose only identity is the workload's SPIFFE URI SAN: the subject
 * is empty, as in Istio's workload certificates (so the `Subject` an app reads from
 * `x-forwarded-client-cert` is the same under either control plane).
 */
export async function issueWorkloadCertificate(
  ca: CertificateAuthority, identity: WorkloadIdentity, options: IssueOptions = {}): Promise<WorkloadCertificate> {
  const id = spiffeId(ca.trustDomain, identity);
  const issued = await issueLeaf(ca, {
    subject: [],
    subjectAltNames: [{ type: 'uri', value: id }],
    extendedKeyUsages: [EXTENDED_KEY_USAGE.serverAuth, EXTENDED_KEY_USAGE.clientAuth],
  }, options);
  return { ...issued, spiffeId: id };
}

export interface ServingCertificateRequest {
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** The reconciler's own xDS serving certificate; proxies verify it against the root by DNS SAN. */
export async function issueServingCertificate(
  ca: CertificateAuthority, request: ServingCertificateRequest, options: IssueOptions = {}): Promise<IssuedCertificate> {
  if (request.dnsNames.length === 0) {
    throw new Error('issueServingCertificate: dnsNames is empty; pass the name(s) proxies use to reach the reconciler (for example "reconciler.mesh-system.svc")');
  }
  const subjectAltNames: SubjectAltName[] = [
    ...request.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  return issueLeaf(ca, {
    subject: [{ commonName: request.dnsNames[0], organization: ca.trustDomain }],
    subjectAltNames,
    extendedKeyUsages: [EXTENDED_KEY_USAGE.serverAuth],
  }, options);
}
