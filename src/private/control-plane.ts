import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { CA_SECRET_NAME, PolicyRule, RECONCILER_CLUSTER_RULES, RECONCILER_NAMESPACE_RULES } from './rbac';
import { applySyncWave, SyncWave } from './sync-wave';

/** Name shared by the reconciler's Deployment, Service, ServiceAccount and RBAC objects. */
export const RECONCILER_NAME = 'mesh-reconciler';

/** Ports of the reconciler, with Istio's numbers so existing tooling finds them. */
export const RECONCILER_PORTS = {
  xds: { name: 'grpc-xds', number: 15010, appProtocol: 'grpc' },
  xdsTls: { name: 'grpc-xds-tls', number: 15012, appProtocol: 'grpc' },
  monitoring: { name: 'http-monitoring', number: 15014, appProtocol: 'http' },
  debug: { name: 'http-debug', number: 8080, appProtocol: 'http' },
} as const;

/** Where the mesh config ConfigMap is mounted in the reconciler. */
const MESH_CONFIG_DIR = '/etc/mesh';
const MESH_CONFIG_KEY = 'mesh.yaml';
/** The distroless "nonroot" user: the reconciler image needs no particular UID. */
const RECONCILER_UID = 65532;

/** Everything the control plane objects are rendered from. */
export interface ControlPlaneSettings {
  readonly namespace: string;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  readonly defaultMtlsMode: string;
  readonly outboundTrafficPolicy: string;
  readonly injectionMode: string;
  readonly image: string;
  readonly replicas: number;
  readonly resources: kplus.ContainerResources;
}

/** The reconciler's mesh config, read by its `--mesh-config` flag (keys of its MeshSettings). */
export function renderMeshConfig(settings: ControlPlaneSettings): string {
  return stringify({
    trustDomain: settings.trustDomain,
    clusterDomain: settings.clusterDomain,
    rootNamespace: settings.namespace,
    defaultMtlsMode: settings.defaultMtlsMode,
    outboundTrafficPolicy: settings.outboundTrafficPolicy,
    injectionMode: settings.injectionMode,
  });
}

/** Adds the control plane objects to `scope`, in a fixed order. */
export function addControlPlane(scope: Construct, settings: ControlPlaneSettings): void {
  const { namespace } = settings;
  const metadata = (name: string) => ({ name, namespace, labels: { app: RECONCILER_NAME } });

  const ns = new kplus.Namespace(scope, 'Namespace', { metadata: { name: namespace } });
  const serviceAccount = new kplus.ServiceAccount(scope, 'ServiceAccount', { metadata: metadata(RECONCILER_NAME) });
  const rbac = addRbac(scope, settings);
  const meshConfig = new kplus.ConfigMap(scope, 'MeshConfig', {
    metadata: metadata('mesh-config'),
    data: { [MESH_CONFIG_KEY]: renderMeshConfig(settings) },
  });
  const deployment = addDeployment(scope, settings, serviceAccount, meshConfig);
  const service = new kplus.Service(scope, 'Service', {
    metadata: metadata(RECONCILER_NAME),
    ports: Object.values(RECONCILER_PORTS).map(port => ({ name: port.name, port: port.number, targetPort: port.number })),
  });
  service.selectLabel('app', RECONCILER_NAME);
  addAppProtocols(ApiObject.of(service), Object.values(RECONCILER_PORTS).map(port => port.appProtocol));
  const disruptionBudget = new ApiObject(scope, 'DisruptionBudget', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(RECONCILER_NAME),
    spec: { minAvailable: 1, selector: { matchLabels: { app: RECONCILER_NAME } } },
  });

  const objects = [ns, serviceAccount, ...rbac, meshConfig, deployment, service, disruptionBudget].map(o => ApiObject.of(o));
  objects.forEach(apiObject => applySyncWave(apiObject, SyncWave.CONTROL_PLANE));
}

/** Sets `appProtocol` on each Service port (cdk8s-plus does not model it). */
export function addAppProtocols(service: ApiObject, appProtocols: readonly string[]): void {
  appProtocols.forEach((appProtocol, index) =>
    service.addJsonPatch(JsonPatch.add(`/spec/ports/${index}/appProtocol`, appProtocol)));
}

/**
 * Drops every Linux capability of a container. cdk8s-plus only knows `CAP_`-prefixed names and
 * has no `ALL`, which is what Kubernetes expects.
 */
function dropAllCapabilities(workload: kplus.Deployment, containerIndex: number): void {
  ApiObject.of(workload).addJsonPatch(JsonPatch.add(
    `/spec/template/spec/containers/${containerIndex}/securityContext/capabilities`, { drop: ['ALL'] }));
}

function addRbac(scope: Construct, settings: ControlPlaneSettings): ApiObject[] {
  const { namespace } = settings;
  // Cluster-scoped names carry the namespace so two meshes in one cluster do not collide.
  const clusterName = `${RECONCILER_NAME}-${namespace}`;
  const subjects = [{ kind: 'ServiceAccount', name: RECONCILER_NAME, namespace }];
  const rbacApi = 'rbac.authorization.k8s.io/v1';
  const roleRef = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
  const rules = (list: readonly PolicyRule[]) => list.map(rule => ({ ...rule }));
  const caRoleName = `${RECONCILER_NAME}-ca`;
  return [
    new ApiObject(scope, 'ClusterRole', {
      apiVersion: rbacApi,
      kind: 'ClusterRole',
      metadata: { name: clusterName, labels: { app: RECONCILER_NAME } },
      rules: rules(RECONCILER_CLUSTER_RULES),
    }),
    new ApiObject(scope, 'ClusterRoleBinding', {
      apiVersion: rbacApi,
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterName, labels: { app: RECONCILER_NAME } },
      roleRef: roleRef('ClusterRole', clusterName),
      subjects,
    }),
    new ApiObject(scope, 'CaRole', {
      apiVersion: rbacApi,
      kind: 'Role',
      metadata: { name: caRoleName, namespace, labels: { app: RECONCILER_NAME }, annotations: { 'mesh.cdk8s.io/ca-secret': CA_SECRET_NAME } },
      rules: rules(RECONCILER_NAMESPACE_RULES),
    }),
    new ApiObject(scope, 'CaRoleBinding', {
      apiVersion: rbacApi,
      kind: 'RoleBinding',
      metadata: { name: caRoleName, namespace, labels: { app: RECONCILER_NAME } },
      roleRef: roleRef('Role', caRoleName),
      subjects,
    }),
  ];
}

function addDeployment(
  scope: Construct,
  settings: ControlPlaneSettings,
  serviceAccount: kplus.ServiceAccount,
  meshConfig: kplus.ConfigMap,
): kplus.Deployment {
  const deployment = new kplus.Deployment(scope, 'Deployment', {
    metadata: { name: RECONCILER_NAME, namespace: settings.namespace, labels: { app: RECONCILER_NAME } },
    replicas: settings.replicas,
    select: false,
    serviceAccount,
    // The reconciler watches the Kubernetes API, so it needs its token (workloads do not).
    automountServiceAccountToken: true,
    securityContext: { ensureNonRoot: true, user: RECONCILER_UID, group: RECONCILER_UID },
  });
  deployment.podMetadata.addLabel('app', RECONCILER_NAME);
  deployment.select(kplus.LabelSelector.of({ labels: { app: RECONCILER_NAME } }));
  const volume = kplus.Volume.fromConfigMap(scope, 'MeshConfigVolume', meshConfig, { name: 'mesh-config' });
  const monitoringPort = RECONCILER_PORTS.monitoring.number;
  deployment.addContainer({
    name: 'reconciler',
    image: settings.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    args: ['--source=kubernetes', `--mesh-config=${MESH_CONFIG_DIR}/${MESH_CONFIG_KEY}`],
    ports: Object.values(RECONCILER_PORTS).map(port => ({ name: port.name, number: port.number })),
    envVariables: {
      POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
      MESH_NAMESPACE: kplus.EnvValue.fromValue(settings.namespace),
      TRUST_DOMAIN: kplus.EnvValue.fromValue(settings.trustDomain),
    },
    liveness: kplus.Probe.fromHttpGet('/healthz', { port: monitoringPort }),
    readiness: kplus.Probe.fromHttpGet('/readyz', { port: monitoringPort }),
    startup: kplus.Probe.fromHttpGet('/healthz', { port: monitoringPort }),
    resources: settings.resources,
    securityContext: {
      ensureNonRoot: true,
      user: RECONCILER_UID,
      group: RECONCILER_UID,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
    },
    volumeMounts: [{ path: MESH_CONFIG_DIR, volume, readOnly: true }],
  });
  dropAllCapabilities(deployment, 0);
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
  return deployment;
}
