/**
 * The node a simulated sidecar sends, accepted by both control planes: the Istio id
 * `sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local` and the metadata istiod reads from istio-agent's
 * bootstrap (ISTIO_VERSION, CLUSTER_ID, NAMESPACE, LABELS, …) on top of what the reconciler reads.
 */
import { buildBootstrapNode, ProxyNode } from '../../../src/model';
import { BenchMeshScale, BenchPod, CLUSTER_DOMAIN, podsOf } from './mesh-objects';

/** The Istio version istiod reports (the pinned istio.io/istio pseudo-version is 1.31). */
export const ISTIO_PROXY_VERSION = '1.31.0';
/** istiod's default cluster id, which it compares with the proxy's CLUSTER_ID. */
export const ISTIO_CLUSTER_ID = 'Kubernetes';

export function sidecarProxyNode(pod: BenchPod): ProxyNode {
  return {
    id: `sidecar~${pod.address}~${pod.name}.${pod.namespace}~${pod.namespace}.svc.${CLUSTER_DOMAIN}`,
    cluster: `${pod.labels.app}.${pod.namespace}`,
    namespace: pod.namespace,
    serviceAccount: pod.serviceAccount,
    name: pod.name,
    workloadName: pod.name,
    labels: pod.labels,
    instanceIp: pod.address,
    interceptionMode: 'NONE',
    extraMetadata: {
      ISTIO_VERSION: ISTIO_PROXY_VERSION,
      CLUSTER_ID: ISTIO_CLUSTER_ID,
      MESH_ID: CLUSTER_DOMAIN,
      POD_PORTS: '[{"containerPort":8080,"protocol":"TCP"}]',
    },
  };
}

export function sidecarNode(pod: BenchPod): Record<string, unknown> {
  return buildBootstrapNode(sidecarProxyNode(pod));
}

/** The first `count` v1 pods, one per service, in service order: the proxies that connect. */
export function proxyPods(count: number, scale: BenchMeshScale): BenchPod[] {
  if (count > scale.services) throw new Error(`proxies is ${count} but there are ${scale.services} services; each proxy is the v1 pod of its own service, so ask for at most ${scale.services}`);
  return Array.from({ length: count }, (_, index) => podsOf(index, scale)[0]);
}
