/**
 * Synth-time sidecar injection: what Istio's injection webhook would add to a pod, written into
 * the pod template so the YAML in Git is exactly what runs.
 *
 * The proxy is a native sidecar (an init container with `restartPolicy: Always`, Kubernetes
 * 1.29+): its startup probe holds back the application containers until Envoy has its first
 * configuration, and it does not keep Jobs from completing.
 */
import { ROOT_CERT_VOLUME_NAME, securedXdsAddress, TOKEN_VOLUME_NAME, xdsCredentialMounts, XdsEndpoint } from './xds-credentials';
import { buildBootstrapNode, buildEnvoyBootstrap, CaptureOptions, PROXY_UID, ProxyNode, renderCaptureScript, SIDECAR_PORTS } from '../model';

export const INIT_CONTAINER_NAME = 'istio-init';
export const PROXY_CONTAINER_NAME = 'istio-proxy';
export const BOOTSTRAP_VOLUME_NAME = 'istio-bootstrap';
export const BOOTSTRAP_DIR = '/etc/istio/proxy';
export const BOOTSTRAP_FILE = 'envoy.json';

/** Downward API variables the proxy's node identity is built from, expanded by Kubernetes in args. */
export const PROXY_IDENTITY_ENV: ReadonlyArray<{ readonly name: string; readonly fieldPath: string }> = [
  { name: 'POD_NAME', fieldPath: 'metadata.name' },
  { name: 'POD_NAMESPACE', fieldPath: 'metadata.namespace' },
  { name: 'INSTANCE_IP', fieldPath: 'status.podIP' },
  { name: 'SERVICE_ACCOUNT', fieldPath: 'spec.serviceAccountName' },
];

/** The workload a sidecar is injected into. */
export interface SidecarWorkload {
  readonly serviceName: string;
  readonly namespace: string;
  readonly version: string;
  readonly clusterDomain: string;
  /** Pod labels, reported to the reconciler as node metadata. */
  readonly labels: Record<string, string>;
}

/** Images, resources and capture of the injected containers. */
export interface SidecarSettings {
  readonly proxyImage: string;
  /** Image carrying `sh` and `iptables` for the capture setup. */
  readonly initImage: string;
  readonly proxyResources: Record<string, Record<string, string>>;
  readonly capture: CaptureOptions;
}

/**
 * Bootstrap of every sidecar of a service; per-pod identity comes from {@link buildProxyNodeOverride}.
 * The proxy dials the reconciler's TLS port with its projected token, as Kubernetes mode requires.
 */
export function buildServiceBootstrap(serviceName: string, namespace: string, clusterDomain: string, xds: XdsEndpoint): Record<string, unknown> {
  const serviceNode: ProxyNode = {
    // Overridden per pod; the unspecified address marks a bootstrap used without its override.
    id: `sidecar~0.0.0.0~${serviceName}.${namespace}~${namespace}.svc.${clusterDomain}`,
    cluster: `${serviceName}.${namespace}`,
    namespace,
    serviceAccount: serviceName,
    name: serviceName,
    labels: { app: serviceName },
    instanceIp: '0.0.0.0',
    interceptionMode: 'REDIRECT',
  };
  return buildEnvoyBootstrap({ node: serviceNode, xds: securedXdsAddress(xds) });
}

/** The `--config-yaml` override carrying the pod's identity as Kubernetes `$(VAR)` references. */
export function buildProxyNodeOverride(workload: SidecarWorkload): string {
  const node = buildBootstrapNode({
    id: `sidecar~$(INSTANCE_IP)~$(POD_NAME).$(POD_NAMESPACE)~$(POD_NAMESPACE).svc.${workload.clusterDomain}`,
    cluster: `${workload.serviceName}.${workload.namespace}`,
    namespace: '$(POD_NAMESPACE)',
    serviceAccount: '$(SERVICE_ACCOUNT)',
    name: '$(POD_NAME)',
    // The Deployment `<service>-<version>` (see MeshService.addVersion).
    workloadName: `${workload.serviceName}-${workload.version}`,
    labels: workload.labels,
    instanceIp: '$(INSTANCE_IP)',
    interceptionMode: 'REDIRECT',
  });
  return JSON.stringify({ node });
}

/** `istio-init` (traffic capture) then `istio-proxy` (native sidecar), in pod init order. */
export function buildSidecarInitContainers(workload: SidecarWorkload, settings: SidecarSettings): Record<string, unknown>[] {
  return [buildCaptureInitContainer(settings), buildProxyContainer(workload, settings)];
}

function buildCaptureInitContainer(settings: SidecarSettings): Record<string, unknown> {
  return {
    name: INIT_CONTAINER_NAME,
    image: settings.initImage,
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-c', renderCaptureScript(settings.capture)],
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    // iptables needs root with NET_ADMIN/NET_RAW in the pod's network namespace, nothing more;
    // it writes its lock file, so the root filesystem stays writable.
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}

function buildProxyContainer(workload: SidecarWorkload, settings: SidecarSettings): Record<string, unknown> {
  const readinessCheck = { httpGet: { path: '/healthz/ready', port: SIDECAR_PORTS.readiness }, timeoutSeconds: 3 };
  return {
    name: PROXY_CONTAINER_NAME,
    image: settings.proxyImage,
    imagePullPolicy: 'IfNotPresent',
    restartPolicy: 'Always',
    command: ['envoy'],
    args: [
      '-c', `${BOOTSTRAP_DIR}/${BOOTSTRAP_FILE}`,
      '--config-yaml', buildProxyNodeOverride(workload),
      '--disable-hot-restart',
      '--log-level', 'warning',
    ],
    env: PROXY_IDENTITY_ENV.map(variable => ({ name: variable.name, valueFrom: { fieldRef: { fieldPath: variable.fieldPath } } })),
    ports: [{ name: 'http-envoy-prom', containerPort: SIDECAR_PORTS.prometheus, protocol: 'TCP' }],
    // Up to 10 minutes for the first configuration; the application starts only after it.
    startupProbe: { ...readinessCheck, periodSeconds: 1, failureThreshold: 600 },
    readinessProbe: { ...readinessCheck, periodSeconds: 15, failureThreshold: 4 },
    resources: settings.proxyResources,
    securityContext: proxySecurityContext(),
    volumeMounts: [{ name: BOOTSTRAP_VOLUME_NAME, mountPath: BOOTSTRAP_DIR, readOnly: true }, ...xdsCredentialMounts()],
  };
}

/** Every Envoy the mesh runs (sidecar or gateway) as the unprivileged proxy user that capture skips. */
export function proxySecurityContext(): Record<string, unknown> {
  return {
    runAsUser: PROXY_UID,
    runAsGroup: PROXY_UID,
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}

/** Pod labels of an injected workload, as Istio's webhook sets them. */
export function injectedPodLabels(workload: Pick<SidecarWorkload, 'serviceName' | 'version'>): Record<string, string> {
  return {
    'security.istio.io/tlsMode': 'istio',
    'service.istio.io/canonical-name': workload.serviceName,
    'service.istio.io/canonical-revision': workload.version,
  };
}

/** Pod annotations of an injected workload: injection status and Prometheus scraping of Envoy. */
export function injectedPodAnnotations(appContainerName: string): Record<string, string> {
  return {
    'sidecar.istio.io/status': JSON.stringify({
      initContainers: [INIT_CONTAINER_NAME, PROXY_CONTAINER_NAME],
      containers: [],
      volumes: [BOOTSTRAP_VOLUME_NAME, TOKEN_VOLUME_NAME, ROOT_CERT_VOLUME_NAME],
      imagePullSecrets: null,
      revision: 'default',
    }),
    'kubectl.kubernetes.io/default-container': appContainerName,
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(SIDECAR_PORTS.prometheus),
    'prometheus.io/path': '/stats/prometheus',
  };
}
