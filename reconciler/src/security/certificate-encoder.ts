/**
 * X.509 certificates of the mesh, encoded directly in DER and signed with Node's native crypto:
 * the self-signed root and the leaves it signs (RFC 5280 §4.1). Issuing is on the path of every
 * connecting proxy; a generic ASN.1 library building and serializing a schema tree for each
 * certificate cost ten times as much.
 */
import { KeyObject, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import * as der from './der';

export const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extendedKeyUsage: '2.5.29.37',
} as const;

export const EXTENDED_KEY_USAGE = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** KeyUsage bits (RFC 5280 §4.2.1.3), numbered from the most significant bit of the first byte. */
const KEY_USAGE_BIT = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;
type KeyUsage = keyof typeof KEY_USAGE_BIT;

/** What a root contributes to every leaf it signs, worked out once when the root is loaded. */
export interface LeafSigningMaterial {
  /** The root's subject Name, DER: the leaf's issuer, byte for byte. */
  readonly issuerNameDer: Buffer;
  /** The root's key identifier, for the leaf's AuthorityKeyIdentifier. */
  readonly authorityKeyId: Buffer;
  readonly signingKey: KeyObject;
}

export type SubjectAltName =
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: string };

export interface NameEntry {
  readonly commonName: string;
  readonly organization: string;
}

export interface LeafFields {
  /** Empty: no subject, the identity only in the SAN (which is then critical, RFC 5280 §4.2.1.6). */
  readonly subject: readonly NameEntry[];
  readonly subjectAltNames: readonly SubjectAltName[];
  readonly extendedKeyUsages: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface EncodedCertificate {
  readonly certificatePem: string;
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
}

const ECDSA_WITH_SHA256 = der.sequence(der.objectIdentifier(OID.ecdsaWithSha256));

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.objectIdentifier(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** The KeyUsage BIT STRING: named bits set, trailing unused bits dropped as DER requires. */
function keyUsageBits(usages: readonly KeyUsage[]): Buffer {
  const highest = Math.max(...usages.map((usage) => KEY_USAGE_BIT[usage]));
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const usage of usages) bytes[Math.floor(KEY_USAGE_BIT[usage] / 8)] |= 0x80 >> (KEY_USAGE_BIT[usage] % 8);
  return der.bitString(bytes, 7 - (highest % 8));
}

function ipAddressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!isIPv6(address)) throw new Error(`certificate SAN: "${address}" is not an IPv4 or IPv6 address`);
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  // A trailing dotted quad (::ffff:10.0.0.1) stands for the last two groups.
  const groups = (part: string | undefined) => (part ? part.split(':') : []).flatMap((group) => {
    if (!group.includes('.')) return [group];
    const [a, b, c, d] = group.split('.').map(Number);
    return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  });
  const headGroups = groups(head);
  const tailGroups = groups(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = Buffer.alloc(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}

function generalName(name: SubjectAltName): Buffer {
  switch (name.type) {
    case 'dns': return der.contextTag(2, Buffer.from(name.value, 'ascii'), false);
    case 'uri': return der.contextTag(6, Buffer.from(name.value, 'ascii'), false);
    case 'ip': return der.contextTag(7, ipAddressBytes(name.value), false);
  }
}

function nameDer(entries: readonly NameEntry[]): Buffer {
  return der.sequence(...entries.flatMap((entry) => [
    der.set(der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(entry.commonName))),
    der.set(der.sequence(der.objectIdentifier(OID.organization), der.utf8String(entry.organization))),
  ]));
}

function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // positive without a sign byte
  bytes[0] |= 0x01; // and never zero-led, so always 16 bytes
  return der.unsignedInteger(bytes);
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** RFC 5280 §4.2.1.2 method 1: the SHA-1 of the subjectPublicKey bits of a SubjectPublicKeyInfo. */
export function keyIdentifierOf(subjectPublicKeyInfo: Buffer): Buffer {
  const [, subjectPublicKey] = der.readChildren(der.readElement(subjectPublicKeyInfo));
  return createHash('sha1').update(subjectPublicKey.content.subarray(1)).digest();
}

interface CertificateBody {
  readonly issuerNameDer: Buffer;
  readonly subjectNameDer: Buffer;
  readonly subjectPublicKeyInfo: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly Buffer[];
}

function signedCertificate(body: CertificateBody, signingKey: KeyObject): Buffer {
  const tbs = der.sequence(
    der.contextTag(0, der.smallInteger(2), true), // v3
    serialNumber(),
    ECDSA_WITH_SHA256,
    body.issuerNameDer,
    der.sequence(der.certificateTime(body.notBefore), der.certificateTime(body.notAfter)),
    body.subjectNameDer,
    body.subjectPublicKeyInfo,
    der.contextTag(3, der.sequence(...body.extensions), true),
  );
  const signature = sign('sha256', tbs, { key: signingKey, dsaEncoding: 'der' });
  return der.sequence(tbs, ECDSA_WITH_SHA256, der.bitString(signature));
}

function newP256KeyPair(): { publicKey: KeyObject; privateKey: KeyObject; subjectPublicKeyInfo: Buffer } {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { ...keys, subjectPublicKeyInfo: keys.publicKey.export({ type: 'spki', format: 'der' }) };
}

/** A self-signed P-256 root that may sign certificates (and nothing below it may). */
export function encodeRootCertificate(subject: NameEntry, notBefore: Date, notAfter: Date): EncodedCertificate {
  const keys = newP256KeyPair();
  const name = nameDer([subject]);
  const certificate = signedCertificate({
    issuerNameDer: name,
    subjectNameDer: name,
    subjectPublicKeyInfo: keys.subjectPublicKeyInfo,
    notBefore,
    notAfter,
    extensions: [
      extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
      extension(OID.keyUsage, true, keyUsageBits(['digitalSignature', 'keyCertSign', 'cRLSign'])),
      extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifierOf(keys.subjectPublicKeyInfo))),
    ],
  }, keys.privateKey);
  return { certificatePem: pem('CERTIFICATE', certificate), privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** A leaf with a new P-256 key pair, signed by the root. */
export function encodeLeafCertificate(signer: LeafSigningMaterial, fields: LeafFields): EncodedCertificate {
  const keys = newP256KeyPair();
  const certificate = signedCertificate({
    issuerNameDer: signer.issuerNameDer,
    subjectNameDer: nameDer(fields.subject),
    subjectPublicKeyInfo: keys.subjectPublicKeyInfo,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    extensions: [
      extension(OID.basicConstraints, true, der.sequence()),
      extension(OID.keyUsage, true, keyUsageBits(['digitalSignature', 'keyEncipherment'])),
      extension(OID.extendedKeyUsage, false, der.sequence(...fields.extendedKeyUsages.map(der.objectIdentifier))),
      extension(OID.subjectAltName, fields.subject.length === 0, der.sequence(...fields.subjectAltNames.map(generalName))),
      extension(OID.authorityKeyIdentifier, false, der.sequence(der.contextTag(0, signer.authorityKeyId, false))),
    ],
  }, signer.signingKey);
  return { certificatePem: pem('CERTIFICATE', certificate), privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
