import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Mesh } from './mesh';
import type { IMeshService } from './mesh-service';
import { DEPENDENCIES_ANNOTATION, PROXY_UID } from '../model';
import { addSidecarBootstrap, podInjection } from '../private/pod-injection';
import { applySyncWave, SyncWave } from '../private/sync-wave';
import { propError, requireDnsLabel } from '../private/validation';
import { renderAppContainer } from '../private/version-deployment';

/** Properties of a {@link MeshJob}. */
export interface MeshJobProps {
  /** The mesh the job's pods call services of. */
  readonly mesh: Mesh;

  /** Name of the Job and its ServiceAccount (the pods' `app` label and SPIFFE identity); a DNS-1123 label. */
  readonly name: string;

  /**
   * Namespace of the job.
   * @default 'default'
   */
  readonly namespace?: string;

  /** Container image of the job. */
  readonly image: string;

  /**
   * Entrypoint of the job's container.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];

  /**
   * Arguments of the job's container.
   * @default - the image's CMD
   */
  readonly args?: string[];

  /**
   * Environment variables of the job's container.
   * @default - none
   */
  readonly env?: { [name: string]: string };

  /**
   * Resources of the job's container.
   * @default - none set
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * UID the job runs as; it must not be the proxy's UID 1337, whose traffic is never captured.
   * @default - the image's user (which must not be root)
   */
  readonly user?: number;

  /**
   * Retries of a failed pod before the Job fails.
   * @default 0
   */
  readonly backoffLimit?: number;

  /**
   * Whether the pod gets a sidecar (with SYNTH injection).
   * @default true
   */
  readonly injectSidecar?: boolean;

  /**
   * Services the job calls; its sidecar is sent configuration for these only.
   * @default - all services of the mesh
   */
  readonly dependencies?: IMeshService[];
}

/**
 * A run-to-completion workload of the mesh: a Kubernetes Job whose pod gets the sidecar like a
 * service's, so its calls go through the mesh (routing, mTLS, identity `…/sa/<name>`). The proxy is a
 * native sidecar: when the job's container exits, Kubernetes stops the proxy and the Job completes.
 */
export class MeshJob extends Construct {
  /** Name of the Job. */
  public readonly name: string;
  /** Namespace of the Job. */
  public readonly namespace: string;
  /** The ServiceAccount the job's pods run as. */
  public readonly serviceAccount: kplus.ServiceAccount;

  public constructor(scope: Construct, id: string, props: MeshJobProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace ?? 'default';
    requireDnsLabel(this, 'name', this.name);
    requireDnsLabel(this, 'namespace', this.namespace);
    if (!props.image || props.image.trim() !== props.image) {
      throw propError(this, 'image', props.image ?? '', 'it must be a container image reference', 'Set it to an image such as "docker.io/org/task:1.0".');
    }
    if (props.user === PROXY_UID) {
      throw propError(this, 'user', props.user, `UID ${PROXY_UID} is the proxy's, whose traffic is never captured`, 'Run the job as another UID.');
    }
    const backoffLimit = props.backoffLimit ?? 0;
    if (!Number.isInteger(backoffLimit) || backoffLimit < 0) {
      throw propError(this, 'backoffLimit', backoffLimit, 'it must be a non-negative integer', 'Set the number of retries, 0 for none.');
    }
    props.mesh._declareWorkloadNamespace(this.namespace);

    const metadata = { name: this.name, namespace: this.namespace, labels: { app: this.name } };
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata });
    applySyncWave(ApiObject.of(this.serviceAccount), SyncWave.WORKLOADS);

    // A job has no versions; Istio's default canonical revision names it.
    const selectorLabels = { app: this.name, version: 'latest' };
    let bootstrap: kplus.ConfigMap | undefined;
    const injection = podInjection({
      mesh: props.mesh,
      appName: this.name,
      namespace: this.namespace,
      version: 'latest',
      selectorLabels,
      injectSidecar: props.injectSidecar ?? true,
      capture: {},
      bootstrap: () => (bootstrap ??= addSidecarBootstrap(this, props.mesh, this.name, this.namespace)),
    });
    const dependencies = (props.dependencies ?? []).map(dependency => dependency.fqdn).sort();
    const annotations = { ...(dependencies.length > 0 ? { [DEPENDENCIES_ANNOTATION]: dependencies.join(',') } : {}), ...injection.annotations };
    const job = new ApiObject(this, 'Job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata,
      spec: {
        backoffLimit,
        template: {
          metadata: {
            labels: { ...selectorLabels, ...injection.labels },
            ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
          },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: this.name,
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            ...(injection.initContainers.length > 0 ? { initContainers: injection.initContainers } : {}),
            containers: [renderAppContainer({
              serviceName: this.name,
              image: props.image,
              command: props.command,
              args: props.args,
              env: props.env ?? {},
              resources: props.resources,
              user: props.user,
              readOnlyRootFilesystem: true,
            })],
            ...(injection.volumes.length > 0 ? { volumes: injection.volumes } : {}),
          },
        },
      },
    });
    applySyncWave(job, SyncWave.WORKLOADS);
  }
}
