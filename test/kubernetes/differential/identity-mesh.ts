/**
 * The mesh of the identity cases, with certificates on both sides (no mesh-wide PeerAuthentication:
 * Istio's default, PERMISSIVE). Each control plane has its own pods, alike but for their address:
 * a server `secure` (sidecar inbound in front of one echo backend), a caller `client` in the same
 * namespace and a caller `outsider` in another. Each side's server is behind a Service of its own
 * (`secure-istiod`, `secure-reconciler`), so a side's callers reach only its own server: a side's
 * certificates are signed by its own CA. Policies select `app: secure` and so apply to both.
 *
 * In interception mode NONE istiod binds a caller's outbound listener to localhost unless a Sidecar
 * says where; each caller pod's Sidecar binds its own address, so two callers of one side do not
 * share a port.
 */
import { endpointSliceObject, MeshPod, podObject, SERVICE_PORT } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

export type IdentitySide = 'istiod' | 'reconciler';
export const IDENTITY_SIDES: readonly IdentitySide[] = ['istiod', 'reconciler'];

export const IDENTITY_NAMESPACE = 'ident';
export const OUTSIDE_NAMESPACE = 'ident-out';
export const SECURE_APP = 'secure';
export const TRUST_DOMAIN = 'cluster.local';
/** Where both sides' server sidecars forward what they admit. */
export const SECURE_BACKEND = { host: '127.0.0.1', port: 19181 } as const;
/** The label auto mTLS looks for on an endpoint's pod: injection sets it. */
const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

export type IdentityRole = 'server' | 'client' | 'outsider';

export interface IdentityPod extends MeshPod {
  readonly side: IdentitySide;
  readonly role: IdentityRole;
}

const ROLES: Record<IdentityRole, { app: string; namespace: string; serviceAccount: string; subnet: number }> = {
  server: { app: SECURE_APP, namespace: IDENTITY_NAMESPACE, serviceAccount: 'secure', subnet: 1 },
  client: { app: 'client', namespace: IDENTITY_NAMESPACE, serviceAccount: 'client', subnet: 11 },
  outsider: { app: 'outsider', namespace: OUTSIDE_NAMESPACE, serviceAccount: 'outsider', subnet: 21 },
};

export function identityPod(side: IdentitySide, role: IdentityRole): IdentityPod {
  const { app, namespace, serviceAccount, subnet } = ROLES[role];
  const name = `${app}-${side}`;
  return {
    side,
    role,
    app,
    version: 'v1',
    name,
    namespace,
    serviceAccount,
    address: `198.18.241.${subnet + IDENTITY_SIDES.indexOf(side)}`,
    labels: { app, version: 'v1', side, pod: name, [TLS_MODE_LABEL]: 'istio' },
  };
}

export const IDENTITY_PODS: readonly IdentityPod[] = IDENTITY_SIDES.flatMap((side) =>
  (['server', 'client', 'outsider'] as const).map((role) => identityPod(side, role)));

/** The SPIFFE principal as AuthorizationPolicy writes it (no `spiffe://`). */
export function principalOf(role: IdentityRole): string {
  return `${TRUST_DOMAIN}/ns/${ROLES[role].namespace}/sa/${ROLES[role].serviceAccount}`;
}

export const secureService = (side: IdentitySide) => `${SECURE_APP}-${side}`;
export const secureHost = (side: IdentitySide) => `${secureService(side)}.${IDENTITY_NAMESPACE}.svc.${TRUST_DOMAIN}`;

function sidecarOf(pod: IdentityPod): KubeObject {
  const base = { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: pod.name, namespace: pod.namespace } };
  if (pod.role === 'server') {
    return {
      ...base,
      spec: {
        workloadSelector: { labels: { pod: pod.name } },
        ingress: [{ port: { number: SERVICE_PORT, protocol: 'HTTP', name: 'http' }, defaultEndpoint: `${SECURE_BACKEND.host}:${SECURE_BACKEND.port}` }],
        egress: [{ hosts: ['istio-system/*'] }],
      },
    };
  }
  return {
    ...base,
    spec: {
      workloadSelector: { labels: { pod: pod.name } },
      egress: [{ port: { number: SERVICE_PORT, protocol: 'HTTP', name: 'http' }, bind: pod.address, hosts: [`${IDENTITY_NAMESPACE}/*`] }],
    },
  };
}

export function identityObjects(): KubeObject[] {
  const serviceAccounts = Object.values(ROLES).map(({ namespace, serviceAccount }): KubeObject =>
    ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } }));
  const services = IDENTITY_SIDES.map((side): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: secureService(side), namespace: IDENTITY_NAMESPACE },
    spec: { selector: { app: SECURE_APP, side }, ports: [{ name: 'http', port: SERVICE_PORT, targetPort: SERVICE_PORT }] },
  }));
  const slices = IDENTITY_SIDES.map((side) => endpointSliceObject(secureService(side), IDENTITY_NAMESPACE, [identityPod(side, 'server')]));
  return [
    ...[IDENTITY_NAMESPACE, OUTSIDE_NAMESPACE].map((name): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    ...serviceAccounts, ...services, ...slices, ...IDENTITY_PODS.map(podObject), ...IDENTITY_PODS.map(sidecarOf),
  ];
}
