/**
 * Keys and certificates of one cluster, made with openssl: a CA, the API server's serving
 * certificate (valid for its advertise address, the `kubernetes` Service ClusterIP and DNS
 * names, so in-cluster clients verify it), the service-account signing key and the static token
 * of an admin in `system:masters`.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { runChecked } from './command';
import { TEST_NETWORK } from './test-network';

export interface ClusterPki {
  readonly dir: string;
  readonly caCertFile: string;
  readonly caCertPem: string;
  readonly servingCertFile: string;
  readonly servingKeyFile: string;
  readonly serviceAccountKeyFile: string;
  readonly serviceAccountPublicKeyFile: string;
  readonly tokenFile: string;
  readonly adminToken: string;
}

export async function createClusterPki(dir: string, clusterDomain: string): Promise<ClusterPki> {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => runChecked('openssl', args);
  const ecKey = (name: string) => openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file(name));

  await Promise.all([ecKey('ca.key'), ecKey('apiserver.key'), openssl('genrsa', '-out', file('sa.key'), '2048')]);
  await openssl('rsa', '-in', file('sa.key'), '-pubout', '-out', file('sa.pub'));
  await openssl('req', '-x509', '-new', '-key', file('ca.key'), '-subj', '/CN=cdk8s-mesh-test-cluster-ca', '-days', '3650',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', file('ca.crt'));
  await openssl('req', '-new', '-key', file('apiserver.key'), '-subj', '/CN=kube-apiserver', '-out', file('apiserver.csr'));
  const names = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${clusterDomain}`, 'localhost']
    .map((name) => `DNS:${name}`);
  const addresses = [TEST_NETWORK.nodeAddress, TEST_NETWORK.kubernetesServiceAddress, '127.0.0.1'].map((address) => `IP:${address}`);
  fs.writeFileSync(file('apiserver.ext'),
    `subjectAltName=${[...names, ...addresses].join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
  await openssl('x509', '-req', '-in', file('apiserver.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-days', '3650', '-extfile', file('apiserver.ext'), '-out', file('apiserver.crt'));

  const adminToken = randomBytes(24).toString('hex');
  fs.writeFileSync(file('tokens.csv'), `${adminToken},admin,admin-uid,system:masters\n`, { mode: 0o600 });
  return {
    dir,
    caCertFile: file('ca.crt'),
    caCertPem: fs.readFileSync(file('ca.crt'), 'utf8'),
    servingCertFile: file('apiserver.crt'),
    servingKeyFile: file('apiserver.key'),
    serviceAccountKeyFile: file('sa.key'),
    serviceAccountPublicKeyFile: file('sa.pub'),
    tokenFile: file('tokens.csv'),
    adminToken,
  };
}

/** A kubeconfig for the admin: what kubectl and the controller manager use. */
export function renderAdminKubeconfig(server: string, pki: ClusterPki): string {
  const ca = Buffer.from(pki.caCertPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    `  cluster: {server: "${server}", certificate-authority-data: "${ca}"}`,
    'users:',
    '- name: admin',
    `  user: {token: "${pki.adminToken}"}`,
    'contexts:',
    '- name: test',
    '  context: {cluster: test, user: admin}',
    'current-context: test',
    '',
  ].join('\n');
}
