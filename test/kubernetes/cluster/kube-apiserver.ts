/**
 * kube-apiserver for one cluster, with the flags a real cluster needs for the mesh: a static admin
 * token, bound service-account tokens (TokenRequest/TokenReview) for the mesh audience, Node and
 * RBAC authorization, and the node address as advertise address so the `kubernetes` Service gets
 * a real endpoint.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ClusterPki } from './cluster-pki';
import { ETCD_CLIENT_URL } from './etcd';
import { KubeApi } from './kube-api';
import { ManagedProcess } from './managed-process';
import { TEST_NETWORK } from './test-network';
import { waitUntil } from '../../../reconciler/test/support/wait';

export const API_SERVER_PORT = 6443;

export interface ApiServerSettings {
  readonly binary: string;
  readonly runDir: string;
  readonly pki: ClusterPki;
  readonly clusterDomain: string;
  /** Audiences tokens may be requested for, beyond the API server's own. */
  readonly extraAudiences: readonly string[];
}

/** Writes of Secrets and ConfigMaps are audited: scenarios count who created what (the CA Secret race). */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create, update, patch, delete]
  resources: [{group: "", resources: [secrets, configmaps]}]
- level: None
`;

export const AUDIT_LOG = 'audit.log';

export function apiServerUrl(): string {
  return `https://${TEST_NETWORK.nodeAddress}:${API_SERVER_PORT}`;
}

export async function startApiServer(settings: ApiServerSettings): Promise<ManagedProcess> {
  const { pki } = settings;
  const issuer = `https://kubernetes.default.svc.${settings.clusterDomain}`;
  const auditPolicyFile = path.join(settings.runDir, 'audit-policy.yaml');
  fs.writeFileSync(auditPolicyFile, AUDIT_POLICY);
  const apiServer = ManagedProcess.start({
    command: settings.binary,
    args: [
      `--etcd-servers=${ETCD_CLIENT_URL}`,
      `--bind-address=${TEST_NETWORK.nodeAddress}`,
      `--advertise-address=${TEST_NETWORK.nodeAddress}`,
      `--secure-port=${API_SERVER_PORT}`,
      `--tls-cert-file=${pki.servingCertFile}`,
      `--tls-private-key-file=${pki.servingKeyFile}`,
      `--client-ca-file=${pki.caCertFile}`,
      `--token-auth-file=${pki.tokenFile}`,
      '--authorization-mode=Node,RBAC',
      `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
      `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
      `--service-account-issuer=${issuer}`,
      `--api-audiences=${[issuer, ...settings.extraAudiences].join(',')}`,
      `--service-cluster-ip-range=${TEST_NETWORK.serviceCidr}`,
      // The node agent runs Envoy and iptables as root inside pods.
      '--allow-privileged=true',
      `--audit-policy-file=${auditPolicyFile}`,
      `--audit-log-path=${path.join(settings.runDir, AUDIT_LOG)}`,
      '--audit-log-mode=blocking',
      // Webhooks and aggregated APIs are dialed at an endpoint of their Service, not its ClusterIP: a
      // Service with no ready endpoint (the mesh's webhook before the reconciler runs, or any cluster
      // started without pods) fails at once, as kube-proxy's REJECT makes it fail on a real cluster,
      // instead of every write waiting out the webhook's 10 s timeout.
      '--enable-aggregator-routing=true',
      '--profiling=false',
      '--event-ttl=10m',
    ],
    logFile: path.join(settings.runDir, 'kube-apiserver.log'),
  });
  const api = new KubeApi({ server: apiServerUrl(), token: pki.adminToken, caCertPem: pki.caCertPem });
  try {
    await waitUntil('kube-apiserver /readyz', async () => {
      if (!apiServer.running) throw new Error(`kube-apiserver exited (${JSON.stringify(apiServer.status)}):\n${apiServer.tail()}`);
      return api.requestText('GET', '/readyz', { timeoutMs: 2000 }).then(() => true, () => false);
    }, 60_000, 100);
  } finally {
    api.close();
  }
  return apiServer;
}
