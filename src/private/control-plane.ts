import { ApiObject, Duration, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { RenderedAccessLog } from './access-log-config';
import { PolicyRule, reconcilerClusterRules, RECONCILER_NAMESPACE_RULES } from './rbac';
import { applySyncWave, SyncWave } from './sync-wave';
import {
  CA_SECRET_NAME, clusterScopedName, RECONCILER_NAME, RECONCILER_PORTS, RECONCILER_UID, SERVED_ISTIO_RESOURCES,
  WEBHOOK_NAME, WEBHOOK_PATH, WEBHOOK_SERVICE_PORT,
} from '../model';

/** Ports the reconciler's container and Service expose; the plaintext xDS port stays on loopback. */
const EXPOSED_PORTS = [
  { name: 'grpc-xds-tls', number: RECONCILER_PORTS.xdsTls, servicePort: RECONCILER_PORTS.xdsTls, appProtocol: 'grpc' },
  { name: 'http-monitoring', number: RECONCILER_PORTS.monitoring, servicePort: RECONCILER_PORTS.monitoring, appProtocol: 'http' },
  { name: 'https-webhook', number: RECONCILER_PORTS.webhook, servicePort: WEBHOOK_SERVICE_PORT, appProtocol: 'https' },
] as const;

/** Where the mesh config ConfigMap is mounted in the reconciler. */
const MESH_CONFIG_DIR = '/etc/mesh';
const MESH_CONFIG_KEY = 'mesh.yaml';

/** Everything the control plane objects are rendered from. */
export interface ControlPlaneSettings {
  readonly namespace: string;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  readonly defaultMtlsMode: string;
  readonly outboundTrafficPolicy: string;
  readonly injectionMode: string;
  /** Access log keys of the mesh config, when the mesh logs. */
  readonly accessLog?: RenderedAccessLog;
  readonly image: string;
  readonly replicas: number;
  readonly resources: kplus.ContainerResources;
  /** `Fail` or `Ignore`: what the API server does when the webhook cannot be reached. */
  readonly admissionFailurePolicy: string;
  /** The namespaces whose Istio objects the webhook checks, known once the whole app is declared. */
  readonly meshNamespaces: () => string[];
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
    ...settings.accessLog,
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
    ports: EXPOSED_PORTS.map(port => ({ name: port.name, port: port.servicePort, targetPort: port.number })),
  });
  service.selectLabel('app', RECONCILER_NAME);
  addAppProtocols(ApiObject.of(service), EXPOSED_PORTS.map(port => port.appProtocol));
  const disruptionBudget = new ApiObject(scope, 'DisruptionBudget', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(RECONCILER_NAME),
    spec: { minAvailable: 1, selector: { matchLabels: { app: RECONCILER_NAME } } },
  });
  const webhook = addValidatingWebhook(scope, settings);

  const objects = [ns, serviceAccount, ...rbac, meshConfig, deployment, service, disruptionBudget, webhook].map(o => ApiObject.of(o));
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

const RBAC_API = 'rbac.authorization.k8s.io/v1';

function roleRef(kind: string, name: string) {
  return { apiGroup: 'rbac.authorization.k8s.io', kind, name };
}

function reconcilerSubjects(meshNamespace: string) {
  return [{ kind: 'ServiceAccount', name: RECONCILER_NAME, namespace: meshNamespace }];
}

function addRbac(scope: Construct, settings: ControlPlaneSettings): ApiObject[] {
  const { namespace } = settings;
  const clusterName = clusterScopedName(namespace);
  const rules = (list: readonly PolicyRule[]) => list.map(rule => ({ ...rule }));
  return [
    new ApiObject(scope, 'ClusterRole', {
      apiVersion: RBAC_API,
      kind: 'ClusterRole',
      metadata: { name: clusterName, labels: { app: RECONCILER_NAME } },
      rules: rules(reconcilerClusterRules(namespace)),
    }),
    new ApiObject(scope, 'ClusterRoleBinding', {
      apiVersion: RBAC_API,
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterName, labels: { app: RECONCILER_NAME } },
      roleRef: roleRef('ClusterRole', clusterName),
      subjects: reconcilerSubjects(namespace),
    }),
    new ApiObject(scope, 'Role', {
      apiVersion: RBAC_API,
      kind: 'Role',
      metadata: { name: RECONCILER_NAME, namespace, labels: { app: RECONCILER_NAME }, annotations: { 'mesh.cdk8s.io/ca-secret': CA_SECRET_NAME } },
      rules: rules(RECONCILER_NAMESPACE_RULES),
    }),
    new ApiObject(scope, 'RoleBinding', {
      apiVersion: RBAC_API,
      kind: 'RoleBinding',
      metadata: { name: RECONCILER_NAME, namespace, labels: { app: RECONCILER_NAME } },
      roleRef: roleRef('Role', RECONCILER_NAME),
      subjects: reconcilerSubjects(namespace),
    }),
  ];
}

/**
 * A Role and RoleBinding in `namespace` letting the reconciler read the gateway credential Secrets
 * named by `secretNames()` (rendered at synth, after every gateway server is declared).
 */
export function addGatewayCredentialAccess(scope: Construct, meshNamespace: string, namespace: string, rules: () => PolicyRule[]): ApiObject[] {
  const name = `${RECONCILER_NAME}-gateway-credentials`;
  const objects = [
    new ApiObject(scope, 'Role', {
      apiVersion: RBAC_API,
      kind: 'Role',
      metadata: { name, namespace, labels: { app: RECONCILER_NAME } },
      rules: Lazy.any({ produce: () => rules().map(rule => ({ ...rule })) }),
    }),
    new ApiObject(scope, 'RoleBinding', {
      apiVersion: RBAC_API,
      kind: 'RoleBinding',
      metadata: { name, namespace, labels: { app: RECONCILER_NAME } },
      roleRef: roleRef('Role', name),
      subjects: reconcilerSubjects(meshNamespace),
    }),
  ];
  objects.forEach(apiObject => applySyncWave(apiObject, SyncWave.CONTROL_PLANE));
  return objects;
}

/**
 * The validating webhook that keeps objects the reconciler would reject out of the API server, so
 * `kubectl apply` and an Argo CD sync fail with the reason. Its caBundle is the mesh root, which
 * exists only once the reconciler runs: the reconciler sets it with its own field manager, so a
 * server-side diff against this output stays clean.
 */
function addValidatingWebhook(scope: Construct, settings: ControlPlaneSettings): ApiObject {
  const byGroup = new Map<string, string[]>();
  for (const served of SERVED_ISTIO_RESOURCES) byGroup.set(served.group, [...(byGroup.get(served.group) ?? []), served.plural]);
  return new ApiObject(scope, 'ValidatingWebhook', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: clusterScopedName(settings.namespace), labels: { app: RECONCILER_NAME } },
    webhooks: [{
      name: WEBHOOK_NAME,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: settings.admissionFailurePolicy,
      matchPolicy: 'Equivalent',
      timeoutSeconds: 10,
      clientConfig: { service: { name: RECONCILER_NAME, namespace: settings.namespace, path: WEBHOOK_PATH, port: WEBHOOK_SERVICE_PORT } },
      // Only this mesh's namespaces: a second mesh in the cluster validates its own.
      namespaceSelector: Lazy.any({
        produce: () => ({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...new Set(settings.meshNamespaces())].sort() }] }),
      }),
      rules: [...byGroup.keys()].sort().map(group => ({
        apiGroups: [group],
        apiVersions: ['*'],
        operations: ['CREATE', 'UPDATE'],
        resources: [...byGroup.get(group)!].sort(),
        scope: 'Namespaced',
      })),
    }],
  });
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
  const monitoringPort = RECONCILER_PORTS.monitoring;
  deployment.addContainer({
    name: 'reconciler',
    image: settings.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    args: ['--source=kubernetes', `--mesh-config=${MESH_CONFIG_DIR}/${MESH_CONFIG_KEY}`],
    ports: EXPOSED_PORTS.map(port => ({ name: port.name, number: port.number })),
    envVariables: {
      // The namespace holding the CA Secret, the ConfigMaps and the rollout Lease; the pod IP goes
      // on the xDS serving certificate next to the Service names; the pod name identifies the
      // replica in the Lease and in the Events it records.
      POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
      POD_IP: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP),
      POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
    },
    liveness: kplus.Probe.fromHttpGet('/healthz', { port: monitoringPort, timeoutSeconds: Duration.seconds(5) }),
    // Ready once every watch has listed; checked often so a replica joins the Service quickly.
    readiness: kplus.Probe.fromHttpGet('/readyz', { port: monitoringPort, periodSeconds: Duration.seconds(2), timeoutSeconds: Duration.seconds(5) }),
    // Loading the CRD validator and the CA takes seconds on a busy node: allow two minutes before
    // liveness may restart it, checking every 2 s so a fast start is noticed at once.
    startup: kplus.Probe.fromHttpGet('/healthz', {
      port: monitoringPort, periodSeconds: Duration.seconds(2), timeoutSeconds: Duration.seconds(5), failureThreshold: 60,
    }),
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
