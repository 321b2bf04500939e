import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { issueServingCertificate, issueWorkloadCertificate } from '../../src/security/workload-certs';

const TRUST_DOMAIN = 'mesh.example';
const NOW = new Date('2030-01-01T00:00:00Z');
const HOUR_MS = 60 * 60 * 1000;

async function rootFor(trustDomain: string) {
  const material = await createRootCa(trustDomain, { now: NOW });
  return { material, ca: await loadCertificateAuthority(material, 'test root') };
}

describe('root CA', () => {
  test('GIVEN a trust domain WHEN the root is created THEN it is a self-signed 10-year P-256 CA naming the trust domain', async () => {
    const { material } = await rootFor(TRUST_DOMAIN);
    const root = new X509Certificate(material.certificatePem);

    expect(root.ca).toBe(true);
    expect(root.subject).toContain('CN=cdk8s-mesh root CA');
    expect(root.subject).toContain(`O=${TRUST_DOMAIN}`);
    expect(root.issuer).toBe(root.subject);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const validityYears = (Date.parse(root.validTo) - Date.parse(root.validFrom)) / (365 * 24 * HOUR_MS);
    expect(validityYears).toBeGreaterThanOrEqual(9.99);
    expect(createPrivateKey(material.privateKeyPem).asymmetricKeyType).toBe('ec');
  });

  test.each(['Upper.Case', 'has space', ''])('GIVEN the invalid trust domain %p WHEN the root is created THEN the error names the value and the fix', async (trustDomain) => {
    await expect(createRootCa(trustDomain)).rejects.toThrow(`trust domain "${trustDomain}" is invalid; use lowercase`);
  });

  test('GIVEN a corrupt stored key WHEN the root is loaded THEN the error names the source and says to delete it', async () => {
    const { material } = await rootFor(TRUST_DOMAIN);
    await expect(loadCertificateAuthority({ ...material, privateKeyPem: 'garbage' }, 'CA directory /x'))
      .rejects.toThrow(/^CA directory \/x: the root CA private key is not .* delete the stored root/);
  });
});

/** A root made by another X.509 implementation, with or without a SubjectKeyIdentifier, as a user's stored root may be. */
async function foreignRoot(withSubjectKeyId: boolean) {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: ['imported root'] }, { O: [TRUST_DOMAIN] }],
    keys,
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + 1000 * HOUR_MS),
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      ...(withSubjectKeyId ? [await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto)] : []),
    ],
  }, webcrypto);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certificatePem: certificate.toString('pem'), privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), certificate, publicKey: keys.publicKey };
}

describe('stored roots made elsewhere', () => {
  test.each([true, false])('GIVEN a root from another X.509 implementation (subject key id: %p) WHEN it signs a leaf THEN the leaf chains to it and names its key as the authority key', async (withSubjectKeyId) => {
    const root = await foreignRoot(withSubjectKeyId);
    const ca = await loadCertificateAuthority(root, 'imported');
    const issued = await issueWorkloadCertificate(ca, { namespace: 'a', serviceAccount: 'b' }, { now: NOW });
    const leaf = new x509.X509Certificate(issued.certificateChainPem);

    expect(ca.trustDomain).toBe(TRUST_DOMAIN);
    expect(leaf.issuer).toBe(root.certificate.subject);
    expect(new X509Certificate(issued.certificateChainPem).verify(new X509Certificate(root.certificatePem).publicKey)).toBe(true);
    const rootKeyId = Buffer.from(await root.certificate.publicKey.getKeyIdentifier(webcrypto)).toString('hex');
    expect(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(rootKeyId);
  });

  test('GIVEN a stored key that is not the root\'s WHEN the root is loaded THEN it is refused naming the source', async () => {
    const { material } = await rootFor(TRUST_DOMAIN);
    const { material: other } = await rootFor(TRUST_DOMAIN);
    await expect(loadCertificateAuthority({ ...material, privateKeyPem: other.privateKeyPem }, 'Secret mesh-system/ca'))
      .rejects.toThrow('Secret mesh-system/ca: the root CA private key does not belong to the root CA certificate; delete the stored root');
  });

  test('GIVEN a stored RSA key WHEN the root is loaded THEN it is refused as not P-256', async () => {
    const { material } = await rootFor(TRUST_DOMAIN);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expect(loadCertificateAuthority({ ...material, privateKeyPem: rsa }, 'CA directory /x'))
      .rejects.toThrow('CA directory /x: the root CA private key is a rsa key, not ECDSA P-256');
  });
});

describe('workload certificates', () => {
  test.each([
    { namespace: 'default', serviceAccount: 'reviews' },
    { namespace: 'shop', serviceAccount: 'checkout-v2' },
  ])('GIVEN the identity $namespace/$serviceAccount WHEN a certificate is issued THEN its only identity is the SPIFFE URI SAN (critical, empty subject) and it chains to the root', async (identity) => {
    const { material, ca } = await rootFor(TRUST_DOMAIN);
    const issued = await issueWorkloadCertificate(ca, identity, { now: NOW });
    const leaf = new X509Certificate(issued.certificateChainPem);
    const root = new X509Certificate(material.certificatePem);

    const expectedId = `spiffe://${TRUST_DOMAIN}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
    expect(issued.spiffeId).toBe(expectedId);
    expect(leaf.subjectAltName).toBe(`URI:${expectedId}`);
    // Node reports no subject for an empty one.
    expect(leaf.subject ?? '').toBe('');
    const parsed = new x509.X509Certificate(issued.certificateChainPem);
    expect(parsed.subjectName.toJSON()).toEqual([]);
    expect(parsed.getExtension(x509.SubjectAlternativeNameExtension)!.critical).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(issued.privateKeyPem))).toBe(true);
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  test.each([
    { lifetimeHours: 24, label: 'the default' },
    { lifetimeHours: 1, label: 'a configured' },
  ])('GIVEN $label lifetime of $lifetimeHours h WHEN a certificate is issued THEN it expires that long after issuance', async ({ lifetimeHours, label }) => {
    const { ca } = await rootFor(TRUST_DOMAIN);
    const options = label === 'the default' ? { now: NOW } : { now: NOW, lifetimeMs: lifetimeHours * HOUR_MS };
    const issued = await issueWorkloadCertificate(ca, { namespace: 'a', serviceAccount: 'b' }, options);
    const leaf = new X509Certificate(issued.certificateChainPem);

    expect(Date.parse(leaf.validTo)).toBe(NOW.getTime() + lifetimeHours * HOUR_MS);
    expect(Date.parse(leaf.validFrom)).toBeLessThanOrEqual(NOW.getTime());
  });

  test('GIVEN a certificate from another root WHEN verified against this root THEN verification fails', async () => {
    const { material } = await rootFor(TRUST_DOMAIN);
    const { ca: otherCa } = await rootFor(TRUST_DOMAIN);
    const foreign = await issueWorkloadCertificate(otherCa, { namespace: 'a', serviceAccount: 'b' }, { now: NOW });

    expect(new X509Certificate(foreign.certificateChainPem).verify(new X509Certificate(material.certificatePem).publicKey)).toBe(false);
  });

  test('GIVEN DNS names and an IP WHEN a serving certificate is issued THEN it carries them as SANs and chains to the root', async () => {
    const { material, ca } = await rootFor(TRUST_DOMAIN);
    const issued = await issueServingCertificate(ca, { dnsNames: ['reconciler.mesh-system.svc', 'localhost'], ipAddresses: ['127.0.0.1'] }, { now: NOW });
    const leaf = new X509Certificate(issued.certificateChainPem);

    expect(leaf.subjectAltName).toBe('DNS:reconciler.mesh-system.svc, DNS:localhost, IP Address:127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.verify(new X509Certificate(material.certificatePem).publicKey)).toBe(true);
  });

  test('GIVEN a workload certificate WHEN its extensions are read THEN they are what mTLS peers and Envoy check: leaf, signing and key encipherment, both TLS usages, the root as authority, a positive serial', async () => {
    const { material, ca } = await rootFor(TRUST_DOMAIN);
    const issued = await issueWorkloadCertificate(ca, { namespace: 'a', serviceAccount: 'b' }, { now: NOW });
    const leaf = new x509.X509Certificate(issued.certificateChainPem);
    const root = new x509.X509Certificate(material.certificatePem);

    const basic = leaf.getExtension(x509.BasicConstraintsExtension)!;
    expect([basic.ca, basic.critical]).toEqual([false, true]);
    const usage = leaf.getExtension(x509.KeyUsagesExtension)!;
    expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(usage.critical).toBe(true);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    expect(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(root.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    expect(leaf.issuer).toBe(root.subject);
    expect(leaf.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    // 16 bytes, the first in 0x01..0x7f: positive, and no leading zero byte to strip.
    expect(leaf.serialNumber).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
    const other = new x509.X509Certificate((await issueWorkloadCertificate(ca, { namespace: 'a', serviceAccount: 'b' }, { now: NOW })).certificateChainPem);
    expect(other.serialNumber).not.toBe(leaf.serialNumber);
  });

  test('GIVEN an IPv6 address and a lifetime past 2049 WHEN a serving certificate is issued THEN the SAN holds the addresses (also one written with a dotted quad) and the validity reads back exactly', async () => {
    const { material, ca } = await rootFor(TRUST_DOMAIN);
    const lifetimeMs = 25 * 365 * 24 * HOUR_MS; // 2030 + 25 years: GeneralizedTime
    const issued = await issueServingCertificate(ca, { dnsNames: ['reconciler'], ipAddresses: ['fd00::a:1', '::1', '::ffff:10.0.0.1'] }, { now: NOW, lifetimeMs });
    const leaf = new X509Certificate(issued.certificateChainPem);

    expect(leaf.subjectAltName).toBe('DNS:reconciler, IP Address:FD00:0:0:0:0:0:A:1, IP Address:0:0:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:A00:1');
    expect(leaf.subject).toBe(`CN=reconciler\nO=${TRUST_DOMAIN}`);
    expect(Date.parse(leaf.validTo)).toBe(NOW.getTime() + lifetimeMs);
    expect(leaf.verify(new X509Certificate(material.certificatePem).publicKey)).toBe(true);
  });

  test('GIVEN no DNS names WHEN a serving certificate is requested THEN the error says which names to pass', async () => {
    const { ca } = await rootFor(TRUST_DOMAIN);
    await expect(issueServingCertificate(ca, { dnsNames: [] })).rejects.toThrow('dnsNames is empty; pass the name(s)');
  });
});
