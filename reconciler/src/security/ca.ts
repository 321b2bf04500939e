/**
 * The mesh's root certificate authority: one self-signed ECDSA P-256 root whose Organization is
 * the trust domain. Every workload and serving certificate chains to it.
 */
import { KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import { LeafSigningMaterial, OID, encodeRootCertificate, keyIdentifierOf } from './certificate-encoder';
import * as der from './der';

export const ROOT_CA_COMMON_NAME = 'cdk8s-mesh root CA';
export const DEFAULT_ROOT_CA_VALIDITY_DAYS = 3650;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Trust domains follow the SPIFFE spec: lowercase letters, digits, dots, dashes and underscores. */
const TRUST_DOMAIN_PATTERN = /^[a-z0-9._-]+$/;

/** The persisted form of a root: what a CaStore writes and reads. */
export interface CaMaterial {
  readonly certificatePem: string;
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
}

/** A loaded root, ready to sign. */
export interface CertificateAuthority {
  readonly trustDomain: string;
  readonly certificatePem: string;
  /** The root's part of every leaf, prepared once so issuing a leaf is a few native calls. */
  readonly leafSigning: LeafSigningMaterial;
}

export interface CreateRootCaOptions {
  /** Issuance instant; injectable so tests control validity windows. @default now */
  readonly now?: Date;
  /** @default 3650 (10 years) */
  readonly validityDays?: number;
}

/** Throws unless the trust domain is a valid SPIFFE trust domain. */
export function assertTrustDomain(trustDomain: string, where: string): void {
  if (!TRUST_DOMAIN_PATTERN.test(trustDomain)) {
    throw new Error(`${where}: trust domain "${trustDomain}" is invalid; use lowercase letters, digits, '.', '-' or '_' (for example "cluster.local")`);
  }
}

/** Creates a new self-signed ECDSA P-256 root for the trust domain. */
export async function createRootCa(trustDomain: string, options: CreateRootCaOptions = {}): Promise<CaMaterial> {
  assertTrustDomain(trustDomain, 'createRootCa');
  const now = options.now ?? new Date();
  const validityDays = options.validityDays ?? DEFAULT_ROOT_CA_VALIDITY_DAYS;
  return encodeRootCertificate({ commonName: ROOT_CA_COMMON_NAME, organization: trustDomain }, now, new Date(now.getTime() + validityDays * DAY_MS));
}

/**
 * Parses stored root material into a signer. `source` names where it came from (a file or a
 * Secret) so a corrupt store is reported with its location.
 */
export async function loadCertificateAuthority(material: CaMaterial, source: string): Promise<CertificateAuthority> {
  const deleteIt = 'delete the stored root so a new one is created';
  let certificate: X509Certificate;
  let signingKey: KeyObject;
  try {
    certificate = new X509Certificate(material.certificatePem);
  } catch (error) {
    throw new Error(`${source}: the root CA certificate is not a valid PEM X.509 certificate (${(error as Error).message}); ${deleteIt}`);
  }
  try {
    signingKey = createPrivateKey({ key: material.privateKeyPem, format: 'pem' });
  } catch (error) {
    throw new Error(`${source}: the root CA private key is not a PKCS#8 ECDSA P-256 PEM key (${(error as Error).message}); ${deleteIt}`);
  }
  if (signingKey.asymmetricKeyType !== 'ec' || signingKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${source}: the root CA private key is a ${signingKey.asymmetricKeyType} key${signingKey.asymmetricKeyDetails?.namedCurve ? ` on ${signingKey.asymmetricKeyDetails.namedCurve}` : ''}, not ECDSA P-256; ${deleteIt}`);
  }
  if (!certificate.checkPrivateKey(signingKey)) {
    throw new Error(`${source}: the root CA private key does not belong to the root CA certificate; ${deleteIt}`);
  }
  const trustDomain = /^O=(.*)$/m.exec(certificate.subject ?? '')?.[1];
  if (!trustDomain) {
    throw new Error(`${source}: the root CA certificate subject "${certificate.subject}" has no Organization (O) naming the trust domain; ${deleteIt}`);
  }
  return { trustDomain, certificatePem: material.certificatePem, leafSigning: leafSigningMaterial(certificate, signingKey) };
}

/** The TBSCertificate fields a leaf takes from its issuer (RFC 5280 §4.1): subject Name, key, extensions. */
function leafSigningMaterial(certificate: X509Certificate, signingKey: KeyObject): LeafSigningMaterial {
  const tbsFields = der.readChildren(der.readChildren(der.readElement(certificate.raw))[0]);
  // version [0] is present in every v3 certificate: serial, signature, issuer, validity, subject, key.
  const offset = tbsFields[0].tag === 0xa0 ? 1 : 0;
  const subject = tbsFields[offset + 4];
  const subjectPublicKeyInfo = tbsFields[offset + 5];
  const extensions = tbsFields.find((field) => field.tag === 0xa3);
  // RFC 5280 §4.2.1.1: a leaf's authority key id is its issuer's subject key id, else the key's hash.
  const subjectKeyId = extensions && der.readChildren(der.readChildren(extensions)[0])
    .map((entry) => der.readChildren(entry))
    .find(([oid]) => der.objectIdentifierText(oid.content) === OID.subjectKeyIdentifier);
  return {
    issuerNameDer: Buffer.from(subject.whole),
    authorityKeyId: subjectKeyId ? Buffer.from(der.readElement(subjectKeyId[subjectKeyId.length - 1].content).content) : keyIdentifierOf(subjectPublicKeyInfo.whole),
    signingKey,
  };
}
