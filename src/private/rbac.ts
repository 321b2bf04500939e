/**
 * Least-privilege access of the reconciler: read exactly the kinds it translates to xDS (the shared
 * WATCHED_RESOURCES list its informers use), review workload tokens, publish the mesh root certificate
 * ConfigMap into workload namespaces, record Events on objects it rejects, set the CA bundle of its
 * own webhook, and in its own namespace manage only its CA Secret, its last-accepted and rollout
 * state ConfigMaps and the Lease that elects the replica executing rollouts.
 * Gateway credentials are granted per namespace and by name ({@link gatewayCredentialRules}).
 */
import {
  CA_SECRET_NAME, clusterScopedName, LAST_ACCEPTED_CONFIG_MAP, ROLLOUT_LEASE_NAME, ROLLOUT_STATE_CONFIG_MAP, WATCHED_RESOURCES, XDS_CREDENTIALS,
} from '../model';

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

const READ = ['get', 'list', 'watch'];

/** get/list/watch on every watched resource, one rule per API group (groups and resources sorted). */
function watchedResourceRules(): PolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const watched of WATCHED_RESOURCES) {
    const plurals = byGroup.get(watched.group) ?? new Set<string>();
    plurals.add(watched.plural);
    byGroup.set(watched.group, plurals);
  }
  return [...byGroup.keys()].sort().map(group => ({ apiGroups: [group], resources: [...byGroup.get(group)!].sort(), verbs: READ }));
}

/** Cluster-wide rules of the reconciler of the mesh in `meshNamespace`. */
export function reconcilerClusterRules(meshNamespace: string): PolicyRule[] {
  return [
    ...watchedResourceRules(),
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    // The root certificate sidecars verify the reconciler with, in every namespace with workloads:
    // reads and updates only that ConfigMap; `create` cannot be narrowed by name in RBAC.
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'], resourceNames: [XDS_CREDENTIALS.rootCertConfigMap] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    // A Warning Event on every object the reconciler rejects, and an Event on a VirtualService for
    // each step of its rollout, where `kubectl describe` shows them.
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    // The webhook's caBundle is the mesh root, known only once the reconciler has created it.
    {
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['validatingwebhookconfigurations'],
      verbs: ['get', 'patch'],
      resourceNames: [clusterScopedName(meshNamespace)],
    },
  ];
}

/** Rules of the reconciler in its own namespace: `create` cannot be narrowed by name in RBAC. */
export const RECONCILER_NAMESPACE_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [CA_SECRET_NAME] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update', 'patch'], resourceNames: [LAST_ACCEPTED_CONFIG_MAP] },
  // Rollout state: written by the Lease holder (update with resourceVersion), watched by name by the
  // other replicas; created by the ClusterRole's configmaps `create`.
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'update'], resourceNames: [ROLLOUT_STATE_CONFIG_MAP] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [ROLLOUT_LEASE_NAME] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
];

/**
 * Read access to the named gateway credential Secrets of one namespace. The reconciler watches each
 * by name (a `metadata.name` field selector), which RBAC authorizes against `resourceNames`.
 */
export function gatewayCredentialRules(secretNames: readonly string[]): PolicyRule[] {
  return [{ apiGroups: [''], resources: ['secrets'], verbs: READ, resourceNames: [...new Set(secretNames)].sort() }];
}
