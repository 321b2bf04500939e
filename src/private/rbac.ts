/**
 * Least-privilege access of the reconciler: read exactly the kinds it translates to xDS, review
 * workload tokens when signing certificates, publish the mesh root certificate ConfigMap into
 * workload namespaces, and manage its CA Secret in its own namespace only.
 */
import { XDS_CREDENTIALS } from '../model';

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

const READ = ['get', 'list', 'watch'];

/** Cluster-wide rules of the reconciler. */
export const RECONCILER_CLUSTER_RULES: readonly PolicyRule[] = [
  {
    apiGroups: ['networking.istio.io'],
    resources: ['destinationrules', 'gateways', 'serviceentries', 'sidecars', 'virtualservices', 'workloadentries'],
    verbs: READ,
  },
  {
    apiGroups: ['security.istio.io'],
    resources: ['authorizationpolicies', 'peerauthentications', 'requestauthentications'],
    verbs: READ,
  },
  { apiGroups: [''], resources: ['namespaces', 'pods', 'services'], verbs: READ },
  // EndpointSlices rather than Endpoints: they scale and carry readiness per address.
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  // The root certificate sidecars verify the reconciler with, in every namespace with workloads:
  // reads and updates only that ConfigMap; `create` cannot be narrowed by name in RBAC.
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'], resourceNames: [XDS_CREDENTIALS.rootCertConfigMap] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
];

/** Name of the Secret holding the mesh CA key pair. */
export const CA_SECRET_NAME = 'mesh-ca';

/** Rules of the reconciler in its own namespace: `create` cannot be narrowed by name in RBAC. */
export const RECONCILER_NAMESPACE_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [CA_SECRET_NAME] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
];
