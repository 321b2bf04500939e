/**
 * Short-lived leaf certificates signed by the mesh root: SPIFFE workload certificates for mTLS
 * between sidecars, and the DNS-named serving certificate of the reconciler's own xDS TLS port.
 */
import * as x509 from '@peculiar/x509';
import { CertificateAuthority, WEB_CRYPTO, exportPrivateKeyPem, generateEcKeyPair } from './ca';
import { WorkloadIdentity, spiffeId } from './spiffe';

export const DEFAULT_WORKLOAD_CERT_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Backdating tolerates small clock differences between the reconciler and the proxies. */
export const CLOCK_SKEW_ALLOWANCE_MS = 60 * 1000;

const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

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

interface LeafRequest {
  /** Undefined: an empty subject, the identity only in the SAN (then critical, as RFC 5280 requires). */
  readonly subjectCommonName?: string;
  readonly subjectAltNames: x509.JsonGeneralNames;
  readonly usages: string[];
}

async function issueLeaf(ca: CertificateAuthority, request: LeafRequest, options: IssueOptions): Promise<IssuedCertificate> {
  const now = options.now ?? new Date();
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_WORKLOAD_CERT_LIFETIME_MS;
  if (!(lifetimeMs > 0)) {
    throw new Error(`certificate lifetime ${lifetimeMs} ms is invalid; use a positive number of milliseconds (default ${DEFAULT_WORKLOAD_CERT_LIFETIME_MS})`);
  }
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_ALLOWANCE_MS);
  const notAfter = new Date(now.getTime() + lifetimeMs);
  const keys = await generateEcKeyPair();
  const identityOnly = request.subjectCommonName === undefined;
  const subject: x509.JsonName = identityOnly ? [] : [{ CN: [request.subjectCommonName!] }, { O: [ca.trustDomain] }];
  const certificate = await x509.X509CertificateGenerator.create({
    subject,
    issuer: ca.certificate.subject,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(request.usages, false),
      new x509.SubjectAlternativeNameExtension(request.subjectAltNames, identityOnly),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate, false, WEB_CRYPTO),
    ],
  }, WEB_CRYPTO);
  return {
    certificateChainPem: certificate.toString('pem'),
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
    notBefore,
    notAfter,
  };
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
    subjectAltNames: [{ type: 'url', value: id }],
    usages: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
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
  return issueLeaf(ca, {
    subjectCommonName: request.dnsNames[0],
    subjectAltNames: [
      ...request.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ],
    usages: [x509.ExtendedKeyUsage.serverAuth],
  }, options);
}
