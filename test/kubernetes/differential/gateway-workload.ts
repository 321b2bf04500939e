/**
 * The ingress side for gateway cases: one gateway pod per control plane, each with a real Envoy
 * connected as a router, both selected by one Gateway. Each pod has a Service of its own that maps
 * the Gateway's port 80 to a target port of its own (istiod's router binds every address, the
 * reconciler's its pod address), so both listen on one machine; as in Istio, a server's port is
 * the Service port and the router listens on the target port.
 */
import { endpointSliceObject, hostOf, MESH_NAMESPACE, MeshPod, podObject } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

export const GATEWAY_NAME = 'ingress';
/** The port the Gateway's servers name (the Services' port). */
export const GATEWAY_PORT = 80;
const GATEWAY_ACCOUNT = 'ingress';
const GATEWAY_SELECTOR = { istio: 'diff-ingress' };

export const SHOP_HOST = 'shop.example.com';
/** Admitted for VirtualServices of another namespace only: one in the mesh's namespace is not bound. */
export const FOREIGN_ONLY_HOST = 'partners.example.net';
export const FOREIGN_NAMESPACE = 'partners';

export interface GatewayPod extends MeshPod {
  readonly targetPort: number;
}

export const GATEWAY_PODS: Record<'istiod' | 'reconciler', GatewayPod> = {
  istiod: gatewayPod('a', '198.18.235.1', 18081),
  reconciler: gatewayPod('b', '198.18.235.2', 18082),
};

function gatewayPod(suffix: string, address: string, targetPort: number): GatewayPod {
  return {
    app: 'ingress',
    version: suffix,
    name: `ingress-${suffix}`,
    namespace: MESH_NAMESPACE,
    serviceAccount: GATEWAY_ACCOUNT,
    address,
    labels: { ...GATEWAY_SELECTOR, app: 'ingress', side: suffix },
    targetPort,
  };
}

/** The route configuration a router gets for the plaintext servers on that port: named by the port it listens on. */
export function gatewayRouteConfig(pod: GatewayPod): string {
  return `http.${pod.targetPort}`;
}

/** Two servers on one port (hosts of any namespace; the mesh's reviews host; a host for one namespace only). */
export function gatewayObject(): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: GATEWAY_NAME, namespace: MESH_NAMESPACE },
    spec: {
      selector: GATEWAY_SELECTOR,
      servers: [
        { port: { number: GATEWAY_PORT, name: 'http', protocol: 'HTTP' }, hosts: [SHOP_HOST, '*.example.org', `./${hostOf('reviews')}`] },
        { port: { number: GATEWAY_PORT, name: 'http-partners', protocol: 'HTTP' }, hosts: [`${FOREIGN_NAMESPACE}/${FOREIGN_ONLY_HOST}`] },
      ],
    },
  };
}

export function gatewayObjects(): KubeObject[] {
  const pods = Object.values(GATEWAY_PODS);
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: GATEWAY_ACCOUNT, namespace: MESH_NAMESPACE } },
    ...pods.flatMap((pod): KubeObject[] => [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: pod.name, namespace: MESH_NAMESPACE },
        spec: { selector: { side: pod.labels.side, ...GATEWAY_SELECTOR }, ports: [{ name: 'http', port: GATEWAY_PORT, targetPort: pod.targetPort }] },
      },
      podObject(pod),
      endpointSliceObject(pod.name, MESH_NAMESPACE, [pod], pod.targetPort),
    ]),
    gatewayObject(),
  ];
}
