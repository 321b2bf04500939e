import { X509Certificate } from 'node:crypto';
import { TYPE_URLS } from '../../src/push/contract';
import { createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { WorkloadCertificateCache } from '../../src/security/workload-cert-cache';
import { generateProxySecrets } from '../../src/xds/translate/security/sds';
import { assertEncodes } from './fixtures';

async function setup() {
  const ca = await loadCertificateAuthority(await createRootCa('cluster.local'), 'test root');
  return { ca, certificates: new WorkloadCertificateCache(ca) };
}

describe('SDS secrets', () => {
  test('GIVEN a proxy requesting default and ROOTCA WHEN generated THEN it gets its own identity and the root, both encodable', async () => {
    const { ca, certificates } = await setup();

    const secrets = await generateProxySecrets({ namespace: 'shop', serviceAccount: 'cart' }, ['default', 'ROOTCA'], certificates, ca.certificatePem);

    expect(secrets.map((secret) => secret.name)).toEqual(['default', 'ROOTCA']);
    const identity = secrets[0].resource as any;
    const leaf = new X509Certificate(identity.tls_certificate.certificate_chain.inline_string);
    expect(leaf.subjectAltName).toBe('URI:spiffe://cluster.local/ns/shop/sa/cart');
    expect((secrets[1].resource as any).validation_context.trusted_ca.inline_string).toBe(ca.certificatePem);
    for (const secret of secrets) assertEncodes(TYPE_URLS.secret, secret.resource);
  });

  test.each([
    { requested: ['ROOTCA'], names: ['ROOTCA'] },
    { requested: ['unknown', 'default'], names: ['default'] },
    { requested: [], names: [] },
  ])('GIVEN a request for $requested WHEN generated THEN only $names are returned', async ({ requested, names }) => {
    const { ca, certificates } = await setup();

    const secrets = await generateProxySecrets({ namespace: 'a', serviceAccount: 'b' }, requested, certificates, ca.certificatePem);

    expect(secrets.map((secret) => secret.name)).toEqual(names);
  });

  test('GIVEN two proxies of different identities WHEN each requests default THEN neither receives the other\'s key', async () => {
    const { ca, certificates } = await setup();

    const [cart] = await generateProxySecrets({ namespace: 'shop', serviceAccount: 'cart' }, ['default'], certificates, ca.certificatePem);
    const [billing] = await generateProxySecrets({ namespace: 'shop', serviceAccount: 'billing' }, ['default'], certificates, ca.certificatePem);

    const keyOf = (secret: typeof cart) => (secret.resource as any).tls_certificate.private_key.inline_string;
    expect(keyOf(cart)).not.toBe(keyOf(billing));
    expect(new X509Certificate((billing.resource as any).tls_certificate.certificate_chain.inline_string).subjectAltName)
      .toBe('URI:spiffe://cluster.local/ns/shop/sa/billing');
  });
});
