/**
 * A gateway certificate for a test: a throwaway CA, a server certificate for the HTTPS hosts, and
 * the `kubernetes.io/tls` Secret the reconciler serves to the gateway for `credentialName`.
 */
import { createRootCa, loadCertificateAuthority } from '../../../reconciler/src/security/ca';
import { issueServingCertificate } from '../../../reconciler/src/security/workload-certs';

export interface GatewayCredential {
  /** The CA clients trust, PEM. */
  readonly caPem: string;
  /** The Secret object to place next to the synthesized YAML. */
  readonly secret: Record<string, unknown>;
}

export async function createGatewayCredential(name: string, namespace: string, hosts: readonly string[]): Promise<GatewayCredential> {
  const material = await createRootCa('gateway-test.example');
  const ca = await loadCertificateAuthority(material, 'gateway test CA');
  const certificate = await issueServingCertificate(ca, { dnsNames: hosts });
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return {
    caPem: material.certificatePem,
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': base64(certificate.certificateChainPem), 'tls.key': base64(certificate.privateKeyPem) },
    },
  };
}
