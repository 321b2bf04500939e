import * as kplus from 'cdk8s-plus-27';

/** How one version of a {@link MeshService} runs. */
export interface ServiceVersionOptions {
  /** Container image of the application. */
  readonly image: string;

  /**
   * Number of pods.
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Environment variables of the application container.
   * @default - none
   */
  readonly env?: { [name: string]: string };

  /**
   * Resources of the application container.
   * @default - the cdk8s-plus container defaults
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Arguments of the application container.
   * @default - the image's CMD
   */
  readonly args?: string[];

  /**
   * Entrypoint of the application container.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];

  /**
   * Port the application listens on.
   * @default - the target port of the service's first port
   */
  readonly port?: number;

  /**
   * UID the application runs as; it must not be the proxy's UID 1337, whose traffic is never captured.
   * @default - the image's user (which must not be root)
   */
  readonly user?: number;

  /**
   * Whether the application's root filesystem is read-only.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/** A named version of a {@link MeshService}, e.g. `v1`. */
export interface ServiceVersion extends ServiceVersionOptions {
  /** Version name: the `version` label and the DestinationRule subset. */
  readonly name: string;
}
