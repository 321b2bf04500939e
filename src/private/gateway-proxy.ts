/**
 * The Envoy Deployment of an ingress gateway: a standalone proxy (no capture) that gets its
 * listeners and routes from the reconciler like the sidecars do, identified as a `router` node.
 */
import { PROXY_IDENTITY_ENV, proxySecurityContext } from '../mesh/sidecar-injection';
import { securedXdsAddress, xdsCredentialMounts, xdsCredentialVolumes, XdsEndpoint } from '../mesh/xds-credentials';
import { buildBootstrapNode, buildEnvoyBootstrap, SIDECAR_PORTS } from '../model';

export const GATEWAY_BOOTSTRAP_DIR = '/etc/istio/proxy';
export const GATEWAY_BOOTSTRAP_FILE = 'envoy.json';

export interface GatewayProxySettings {
  readonly name: string;
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly labels: Record<string, string>;
  /** The reconciler's TLS xDS port; gateways authenticate like sidecars (projected token, mesh root). */
  readonly xds: XdsEndpoint;
  readonly image: string;
  readonly replicas: number;
  readonly resources: Record<string, Record<string, string>>;
  readonly bootstrapConfigMap: string;
  /** Ports Envoy listens on (the Service target ports). */
  readonly containerPorts: readonly { readonly name: string; readonly port: number }[];
}

/** The bootstrap shared by every gateway pod; each pod's identity comes from `--config-yaml`. */
export function buildGatewayBootstrap(settings: Pick<GatewayProxySettings, 'name' | 'namespace' | 'clusterDomain' | 'labels' | 'xds'>): Record<string, unknown> {
  return buildEnvoyBootstrap({
    node: {
      id: `router~0.0.0.0~${settings.name}.${settings.namespace}~${settings.namespace}.svc.${settings.clusterDomain}`,
      cluster: `${settings.name}.${settings.namespace}`,
      namespace: settings.namespace,
      serviceAccount: settings.name,
      name: settings.name,
      labels: settings.labels,
      instanceIp: '0.0.0.0',
      interceptionMode: 'NONE',
    },
    xds: securedXdsAddress(settings.xds),
  });
}

export function renderGatewayDeploymentSpec(settings: GatewayProxySettings): Record<string, unknown> {
  const node = buildBootstrapNode({
    id: `router~$(INSTANCE_IP)~$(POD_NAME).$(POD_NAMESPACE)~$(POD_NAMESPACE).svc.${settings.clusterDomain}`,
    cluster: `${settings.name}.${settings.namespace}`,
    namespace: '$(POD_NAMESPACE)',
    serviceAccount: '$(SERVICE_ACCOUNT)',
    name: '$(POD_NAME)',
    workloadName: settings.name,
    labels: settings.labels,
    instanceIp: '$(INSTANCE_IP)',
    interceptionMode: 'NONE',
  });
  const readinessCheck = { httpGet: { path: '/healthz/ready', port: SIDECAR_PORTS.readiness } };
  return {
    replicas: settings.replicas,
    selector: { matchLabels: settings.labels },
    template: {
      metadata: { labels: settings.labels, annotations: { 'sidecar.istio.io/inject': 'false' } },
      spec: {
        serviceAccountName: settings.name,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'istio-proxy',
          image: settings.image,
          args: ['-c', `${GATEWAY_BOOTSTRAP_DIR}/${GATEWAY_BOOTSTRAP_FILE}`, '--config-yaml', JSON.stringify({ node })],
          env: PROXY_IDENTITY_ENV.map(variable => ({ name: variable.name, valueFrom: { fieldRef: { fieldPath: variable.fieldPath } } })),
          ports: [
            ...settings.containerPorts.map(port => ({ name: port.name, containerPort: port.port })),
            { name: 'http-envoy-prom', containerPort: SIDECAR_PORTS.prometheus },
          ],
          readinessProbe: { ...readinessCheck, periodSeconds: 5, failureThreshold: 4 },
          resources: settings.resources,
          volumeMounts: [{ name: 'istio-bootstrap', mountPath: GATEWAY_BOOTSTRAP_DIR, readOnly: true }, ...xdsCredentialMounts()],
          securityContext: proxySecurityContext(),
        }],
        volumes: [{ name: 'istio-bootstrap', configMap: { name: settings.bootstrapConfigMap } }, ...xdsCredentialVolumes()],
      },
    },
  };
}
