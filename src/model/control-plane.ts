/**
 * The contract between the control plane objects the `Mesh` construct emits and the reconciler that
 * runs in them: names, ports, and the Kubernetes resources the reconciler reads and writes. The
 * construct renders its Deployment, Service, RBAC and webhook from these; the reconciler's flags
 * default to them. A name changed here changes both sides.
 */

/** Name of the reconciler's Deployment, Service, ServiceAccount and cluster-scoped objects' prefix. */
export const RECONCILER_NAME = 'mesh-reconciler';

/**
 * Ports of the reconciler, with Istio's numbers so existing tooling finds them. The plaintext xDS
 * port is bound to loopback inside the reconciler's pod and is in no Service: workload keys and
 * tokens travel only over the TLS port.
 */
export const RECONCILER_PORTS = {
  /** Plaintext ADS, loopback only (local debugging, directory mode on one host). */
  xdsPlaintext: 15010,
  /** ADS over TLS with the mesh CA's serving certificate; proxies authenticate with a token. */
  xdsTls: 15012,
  /** `/healthz`, `/readyz`, `/metrics` and the `/debug` views. */
  monitoring: 15014,
  /** HTTPS validating admission webhook (`/validate`). */
  webhook: 15017,
} as const;

/** The Service port the API server calls the webhook on (Istio's istiod uses the same). */
export const WEBHOOK_SERVICE_PORT = 443;

/** Path of the validating admission webhook. */
export const WEBHOOK_PATH = '/validate';

/** Name of the one webhook inside the ValidatingWebhookConfiguration. */
export const WEBHOOK_NAME = 'validation.mesh.cdk8s.io';

/** The Secret in the reconciler's namespace that holds the mesh CA key pair. */
export const CA_SECRET_NAME = 'mesh-ca';

/**
 * The ConfigMap in the reconciler's namespace holding the last accepted version of every object
 * whose current version is rejected, so restarted replicas serve what the running ones serve.
 */
export const LAST_ACCEPTED_CONFIG_MAP = 'mesh-last-accepted';

/**
 * The ConfigMap in the reconciler's namespace holding every executed rollout's state (phase, step,
 * weight), written by the replica holding {@link ROLLOUT_LEASE_NAME} and read by the others. It is
 * not synthesized, so GitOps tools never see it change.
 */
export const ROLLOUT_STATE_CONFIG_MAP = 'mesh-rollouts';

/** The `coordination.k8s.io` Lease whose holder is the one replica that executes rollouts. */
export const ROLLOUT_LEASE_NAME = 'mesh-rollout-leader';

/** Field manager of the reconciler's server-side applies (and the source of its Events). */
export const RECONCILER_FIELD_MANAGER = 'mesh-reconciler';

/** User and group the reconciler image runs as (no particular UID is needed; not the proxy's 1337). */
export const RECONCILER_UID = 65532;

/** Cluster-scoped objects carry the mesh namespace so two meshes in one cluster do not collide. */
export function clusterScopedName(meshNamespace: string): string {
  return `${RECONCILER_NAME}-${meshNamespace}`;
}

/** One Kubernetes resource type the reconciler lists and watches. */
export interface WatchedResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

function resource(group: string, version: string, plural: string, kind: string): WatchedResource {
  return { group, version, plural, kind };
}

/** The Istio kinds the reconciler translates to xDS, by API group. */
export const SERVED_ISTIO_RESOURCES: readonly WatchedResource[] = [
  resource('networking.istio.io', 'v1', 'virtualservices', 'VirtualService'),
  resource('networking.istio.io', 'v1', 'destinationrules', 'DestinationRule'),
  resource('networking.istio.io', 'v1', 'gateways', 'Gateway'),
  resource('networking.istio.io', 'v1', 'serviceentries', 'ServiceEntry'),
  resource('networking.istio.io', 'v1', 'workloadentries', 'WorkloadEntry'),
  resource('networking.istio.io', 'v1', 'sidecars', 'Sidecar'),
  resource('security.istio.io', 'v1', 'peerauthentications', 'PeerAuthentication'),
  resource('security.istio.io', 'v1', 'requestauthentications', 'RequestAuthentication'),
  resource('security.istio.io', 'v1', 'authorizationpolicies', 'AuthorizationPolicy'),
];

/**
 * Everything the reconciler lists and watches cluster-wide. The Mesh construct's ClusterRole grants
 * get/list/watch on exactly these; gateway credential Secrets are watched one by one, by name.
 */
export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  resource('', 'v1', 'services', 'Service'),
  resource('', 'v1', 'pods', 'Pod'),
  resource('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice'),
  ...SERVED_ISTIO_RESOURCES,
];
