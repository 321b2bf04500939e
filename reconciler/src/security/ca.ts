/**
 * The mesh's root certificate authority: one self-signed ECDSA P-256 root whose Organization is
 * the trust domain. Every workload and serving certificate chains to it.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** Node's WebCrypto, handed to @peculiar/x509 explicitly so no global provider is mutated. */
export const WEB_CRYPTO = webcrypto;

export const ROOT_CA_COMMON_NAME = 'cdk8s-mesh root CA';
export const DEFAULT_ROOT_CA_VALIDITY_DAYS = 3650;

const EC_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
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
  readonly certificate: x509.X509Certificate;
  readonly signingKey: CryptoKey;
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

/** An ECDSA P-256 key pair, extractable so the private key can be persisted or sent over SDS. */
export async function generateEcKeyPair(): Promise<CryptoKeyPair> {
  return WEB_CRYPTO.subtle.generateKey(EC_KEY_ALGORITHM, true, ['sign', 'verify']);
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = await WEB_CRYPTO.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/** Creates a new self-signed root for the trust domain. */
export async function createRootCa(trustDomain: string, options: CreateRootCaOptions = {}): Promise<CaMaterial> {
  assertTrustDomain(trustDomain, 'createRootCa');
  const now = options.now ?? new Date();
  const validityDays = options.validityDays ?? DEFAULT_ROOT_CA_VALIDITY_DAYS;
  const keys = await generateEcKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [ROOT_CA_COMMON_NAME] }, { O: [trustDomain] }],
    keys,
    notBefore: now,
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, WEB_CRYPTO),
    ],
  }, WEB_CRYPTO);
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

/**
 * Parses stored root material into a signer. `source` names where it came from (a file or a
 * Secret) so a corrupt store is reported with its location.
 */
export async function loadCertificateAuthority(material: CaMaterial, source: string): Promise<CertificateAuthority> {
  let certificate: x509.X509Certificate;
  let signingKey: CryptoKey;
  try {
    certificate = new x509.X509Certificate(material.certificatePem);
  } catch (error) {
    throw new Error(`${source}: the root CA certificate is not a valid PEM X.509 certificate (${(error as Error).message}); delete the stored root so a new one is created`);
  }
  try {
    signingKey = await WEB_CRYPTO.subtle.importKey(
      'pkcs8', x509.PemConverter.decodeFirst(material.privateKeyPem), EC_KEY_ALGORITHM, true, ['sign']);
  } catch (error) {
    throw new Error(`${source}: the root CA private key is not a PKCS#8 ECDSA P-256 PEM key (${(error as Error).message}); delete the stored root so a new one is created`);
  }
  const trustDomain = certificate.subjectName.getField('O')[0];
  if (!trustDomain) {
    throw new Error(`${source}: the root CA certificate subject "${certificate.subject}" has no Organization (O) naming the trust domain; delete the stored root so a new one is created`);
  }
  return { trustDomain, certificatePem: material.certificatePem, certificate, signingKey };
}
