/**
 * A workload as Istio's telemetry names it: workload (the Deployment, not the pod), namespace,
 * `app` and `version` labels, the canonical service and revision Kiali builds its graph from, and
 * the SPIFFE principal. The same rules name a connected proxy (the source of traffic) and a
 * workload instance of the registry (its destination), so both ends of an edge agree.
 */
import { NODE_METADATA } from '../model';
import type { ProxyIdentity } from '../push/contract';
import type { WorkloadInstance } from '../push/service-model';
import { spiffeId } from '../security/spiffe';

export const UNKNOWN = 'unknown';

export interface WorkloadPeer {
  readonly workload: string;
  readonly namespace: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  readonly serviceAccount?: string;
}

/** The peer a connected proxy stands for. */
export function peerOfProxy(proxy: Pick<ProxyIdentity, 'name' | 'namespace' | 'labels' | 'serviceAccount' | 'metadata'>): WorkloadPeer {
  const declared = proxy.metadata[NODE_METADATA.workloadName];
  return peerFrom(proxy.labels, proxy.namespace, typeof declared === 'string' && declared ? declared : undefined, proxy.name, proxy.serviceAccount);
}

/** The peer a registry instance (WorkloadEntry, Pod, endpoint) stands for. */
export function peerOfInstance(instance: Pick<WorkloadInstance, 'name' | 'namespace' | 'labels' | 'serviceAccount'>): WorkloadPeer {
  return peerFrom(instance.labels, instance.namespace, undefined, instance.name, instance.serviceAccount);
}

/**
 * Istio's rules: the workload is the declared one, else `<app>-<version>` (the Deployment name the
 * mesh synthesizes), else `app`, else the object name; the canonical labels fall back to the
 * Kubernetes recommended labels, then `app`/`version`, then the workload and `latest`.
 */
function peerFrom(labels: Readonly<Record<string, string>>, namespace: string, declared: string | undefined, objectName: string, serviceAccount?: string): WorkloadPeer {
  const app = labels.app;
  const version = labels.version;
  const workload = declared ?? (app && version ? `${app}-${version}` : app ?? objectName);
  return {
    workload,
    namespace,
    app: app ?? UNKNOWN,
    version: version ?? UNKNOWN,
    canonicalService: labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? app ?? workload,
    canonicalRevision: labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? version ?? 'latest',
    ...(serviceAccount ? { serviceAccount } : {}),
  };
}

/** `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`, or unknown without an account. */
export function principalOf(peer: Pick<WorkloadPeer, 'namespace' | 'serviceAccount'>, trustDomain: string): string {
  return peer.serviceAccount ? spiffeId(trustDomain, { namespace: peer.namespace, serviceAccount: peer.serviceAccount }) : UNKNOWN;
}
