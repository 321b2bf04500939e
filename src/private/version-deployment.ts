/**
 * The Deployment of one service version, with its sidecar when injected at synth time.
 *
 * It is rendered as plain JSON rather than with cdk8s-plus: cdk8s-plus-27 serializes through the
 * Kubernetes 1.27 types, which drop the container `restartPolicy` that makes `istio-proxy` a
 * native sidecar, and it cannot express `capabilities: drop: [ALL]`.
 */
import * as kplus from 'cdk8s-plus-27';
import { renderContainerResources } from './container-resources';

/** One version's application container and pod settings. */
export interface VersionWorkload {
  readonly serviceName: string;
  readonly version: string;
  readonly replicas: number;
  readonly image: string;
  readonly port?: number;
  readonly command?: string[];
  readonly args?: string[];
  readonly env: Record<string, string>;
  readonly resources?: kplus.ContainerResources;
  readonly user?: number;
  readonly readOnlyRootFilesystem: boolean;
  /** Labels selecting the pods (`app`, `version`). */
  readonly selectorLabels: Record<string, string>;
  /** Further pod labels and annotations (injection, dependencies). */
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  /** Injected init containers (`istio-init`, `istio-proxy`), in order. */
  readonly initContainers: Record<string, unknown>[];
  readonly volumes: Record<string, unknown>[];
}

/** The Deployment `spec`. */
export function renderVersionDeploymentSpec(workload: VersionWorkload): Record<string, unknown> {
  const annotations = workload.podAnnotations;
  return {
    replicas: workload.replicas,
    selector: { matchLabels: workload.selectorLabels },
    template: {
      metadata: {
        labels: { ...workload.selectorLabels, ...workload.podLabels },
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec: {
        serviceAccountName: workload.serviceName,
        // Neither the application nor the proxy talks to the Kubernetes API.
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        ...(workload.initContainers.length > 0 ? { initContainers: workload.initContainers } : {}),
        containers: [renderAppContainer(workload)],
        ...(workload.volumes.length > 0 ? { volumes: workload.volumes } : {}),
      },
    },
  };
}

/** What the application container is rendered from (a service version's, or a job's). */
export type AppContainerSettings = Pick<VersionWorkload, 'serviceName' | 'image' | 'port' | 'command' | 'args' | 'env' | 'resources' | 'user' | 'readOnlyRootFilesystem'>;

/** The hardened application container: non-root, no capabilities, no privilege escalation. */
export function renderAppContainer(workload: AppContainerSettings): Record<string, unknown> {
  const env = Object.keys(workload.env).sort().map(name => ({ name, value: workload.env[name] }));
  return {
    name: workload.serviceName,
    image: workload.image,
    imagePullPolicy: 'IfNotPresent',
    ...(workload.command ? { command: workload.command } : {}),
    ...(workload.args ? { args: workload.args } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(workload.port !== undefined ? { ports: [{ containerPort: workload.port, protocol: 'TCP' }] } : {}),
    ...(workload.resources ? { resources: renderContainerResources(workload.resources) } : {}),
    securityContext: {
      runAsNonRoot: true,
      ...(workload.user !== undefined ? { runAsUser: workload.user } : {}),
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: workload.readOnlyRootFilesystem,
      capabilities: { drop: ['ALL'] },
    },
  };
}
