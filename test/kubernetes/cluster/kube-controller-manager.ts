/**
 * kube-controller-manager for one cluster, with the controllers the mesh's objects need: workloads
 * (Deployment → ReplicaSet → Pod, Job), EndpointSlices from pod readiness, ServiceAccounts and the
 * `kube-root-ca.crt` ConfigMap in every namespace, namespace deletion, garbage collection and
 * disruption budgets. The node lifecycle controller is left out: the node agent is the only node.
 */
import * as path from 'path';
import type { ClusterPki } from './cluster-pki';
import { ManagedProcess } from './managed-process';

export const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'job-controller',
  'ttl-after-finished-controller',
  'endpointslice-controller',
  'endpointslice-mirroring-controller',
  'serviceaccount-controller',
  'root-ca-certificate-publisher-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'pod-garbage-collector-controller',
  'disruption-controller',
  'clusterrole-aggregation-controller',
];

export function startControllerManager(binary: string, runDir: string, kubeconfigFile: string, pki: ClusterPki): ManagedProcess {
  return ManagedProcess.start({
    command: binary,
    args: [
      `--kubeconfig=${kubeconfigFile}`,
      `--controllers=${CONTROLLERS.join(',')}`,
      `--root-ca-file=${pki.caCertFile}`,
      '--leader-elect=false',
      '--secure-port=0',
      // Endpoint changes reach the slices at once rather than batched.
      '--endpointslice-updates-batch-period=0s',
    ],
    logFile: path.join(runDir, 'kube-controller-manager.log'),
  });
}
