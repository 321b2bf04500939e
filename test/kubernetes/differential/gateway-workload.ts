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
export const GATEWAY_SELECTOR = { istio: 'diff-ingress' };

/** The port of the Gateway's HTTPS server, and the Secret of its certificate (in the routers' namespace). */
export const GATEWAY_TLS_PORT = 443;
export const GATEWAY_CREDENTIAL = 'shop-tls';

export const SHOP_HOST = 'shop.example.com';
/** Served over HTTPS only: its HTTP server redirects. */
export const SECURE_HOST = 'secure.example.com';
/** Admitted for VirtualServices of another namespace only: one in the mesh's namespace is not bound. */
export const FOREIGN_ONLY_HOST = 'partners.example.net';
export const FOREIGN_NAMESPACE = 'partners';

export interface GatewayPod extends MeshPod {
  /** Where the router listens for the servers of port 80, and of port 443. */
  readonly targetPort: number;
  readonly tlsTargetPort: number;
}

export const GATEWAY_PODS: Record<'istiod' | 'reconciler', GatewayPod> = {
  istiod: gatewayPod('a', '198.18.235.1', 18081, 18443),
  reconciler: gatewayPod('b', '198.18.235.2', 18082, 18444),
};

function gatewayPod(suffix: string, address: string, targetPort: number, tlsTargetPort: number): GatewayPod {
  return {
    app: 'ingress',
    version: suffix,
    name: `ingress-${suffix}`,
    namespace: MESH_NAMESPACE,
    serviceAccount: GATEWAY_ACCOUNT,
    address,
    labels: { ...GATEWAY_SELECTOR, app: 'ingress', side: suffix },
    targetPort,
    tlsTargetPort,
  };
}

/** The route configuration a router gets for the plaintext servers on that port: named by the port it listens on. */
export function gatewayRouteConfig(pod: GatewayPod): string {
  return `http.${pod.targetPort}`;
}

/**
 * Three servers on port 80 (hosts of any namespace and the mesh's reviews host; a host for one
 * namespace only; one that redirects to HTTPS) and one HTTPS server on 443 whose certificate is
 * the Secret `shop-tls`.
 */
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
        { port: { number: GATEWAY_PORT, name: 'http-redirect', protocol: 'HTTP' }, hosts: [SECURE_HOST], tls: { httpsRedirect: true } },
        { port: { number: GATEWAY_TLS_PORT, name: 'https', protocol: 'HTTPS' }, hosts: [SHOP_HOST, SECURE_HOST], tls: { mode: 'SIMPLE', credentialName: GATEWAY_CREDENTIAL } },
      ],
    },
  };
}

/** The HTTPS server's certificate and key (PEM) as the Secret the Gateway names. */
export function gatewayObjects(certificate: { certificatePem: string; keyPem: string }): KubeObject[] {
  const pods = Object.values(GATEWAY_PODS);
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: GATEWAY_ACCOUNT, namespace: MESH_NAMESPACE } },
    // As Istio's gateway chart grants: istiod hands a router only the Secrets its account may read.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'ingress-secrets', namespace: MESH_NAMESPACE },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'ingress-secrets', namespace: MESH_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ingress-secrets' },
      subjects: [{ kind: 'ServiceAccount', name: GATEWAY_ACCOUNT, namespace: MESH_NAMESPACE }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: GATEWAY_CREDENTIAL, namespace: MESH_NAMESPACE },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': base64(certificate.certificatePem), 'tls.key': base64(certificate.keyPem) },
    },
    ...pods.flatMap((pod): KubeObject[] => [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: pod.name, namespace: MESH_NAMESPACE },
        spec: {
          selector: { side: pod.labels.side, ...GATEWAY_SELECTOR },
          ports: [{ name: 'http', port: GATEWAY_PORT, targetPort: pod.targetPort }, { name: 'https', port: GATEWAY_TLS_PORT, targetPort: pod.tlsTargetPort }],
        },
      },
      podObject(pod),
      endpointSliceObject(pod.name, MESH_NAMESPACE, [pod], pod.targetPort),
    ]),
    gatewayObject(),
  ];
}
