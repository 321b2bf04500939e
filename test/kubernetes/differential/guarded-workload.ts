/**
 * The server side for authorization cases: service `guarded` with one pod per control plane, each
 * with a real sidecar Envoy (interception NONE) whose inbound listener binds the pod address and
 * forwards to one echo backend on localhost, as a Sidecar `ingress` entry declares. Requests go
 * straight to each pod's address, so the same request meets istiod's RBAC filter and the
 * reconciler's. The Sidecar's egress names no service: these proxies bind no outbound port that
 * the clients' sidecars use.
 */
import { endpointSliceObject, MESH_NAMESPACE, MeshPod, podObject, SERVICE_PORT } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

export const GUARDED_SERVICE = 'guarded';
/** Where both sidecars forward what they admit. */
export const GUARDED_BACKEND = { host: '127.0.0.1', port: 19180 } as const;

export const GUARDED_PODS: Record<'istiod' | 'reconciler', MeshPod> = {
  istiod: guardedPod('a', '198.18.240.1'),
  reconciler: guardedPod('b', '198.18.240.2'),
};

function guardedPod(suffix: string, address: string): MeshPod {
  return {
    app: GUARDED_SERVICE,
    version: 'v1',
    name: `${GUARDED_SERVICE}-${suffix}`,
    namespace: MESH_NAMESPACE,
    serviceAccount: GUARDED_SERVICE,
    address,
    labels: { app: GUARDED_SERVICE, version: 'v1' },
  };
}

export function guardedObjects(): KubeObject[] {
  const pods = Object.values(GUARDED_PODS);
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: GUARDED_SERVICE, namespace: MESH_NAMESPACE } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: GUARDED_SERVICE, namespace: MESH_NAMESPACE },
      spec: { selector: { app: GUARDED_SERVICE }, ports: [{ name: 'http', port: SERVICE_PORT, targetPort: SERVICE_PORT }] },
    },
    ...pods.map(podObject),
    endpointSliceObject(GUARDED_SERVICE, MESH_NAMESPACE, pods),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: GUARDED_SERVICE, namespace: MESH_NAMESPACE },
      spec: {
        workloadSelector: { labels: { app: GUARDED_SERVICE } },
        ingress: [{ port: { number: SERVICE_PORT, protocol: 'HTTP', name: 'http' }, defaultEndpoint: `${GUARDED_BACKEND.host}:${GUARDED_BACKEND.port}` }],
        egress: [{ hosts: ['istio-system/*'] }],
      },
    },
  ];
}
