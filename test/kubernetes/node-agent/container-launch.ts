/**
 * Turns a container of the pod spec into what starts its process: the program from the image
 * table, the environment and `$(VAR)`-expanded command line, the user, groups and capabilities
 * from the security contexts, and the volume mounts (plus the pod's /etc/hosts and resolv.conf).
 */
import * as path from 'path';
import { ContainerConfigError, containerEnvironment, EnvironmentSources, expandCommandLine } from './container-environment';
import { containerCapabilities, ContainerLaunch, ContainerMount } from './container-process';
import { DEFAULT_PATH, ImageTable } from './image-table';
import type { Container, Pod } from './pod-types';
import type { PodVolumes } from './pod-volumes';

export interface LaunchInput {
  readonly pod: Pod;
  readonly container: Container;
  readonly netnsPath: string;
  readonly images: ImageTable;
  readonly environment: EnvironmentSources;
  readonly volumes: PodVolumes;
  /** The pod's /etc/hosts and /etc/resolv.conf on the node. */
  readonly hostsFile: string;
  readonly resolvConf: string;
  readonly containerDir: string;
  readonly logFile: string;
}

export interface PreparedLaunch {
  readonly launch: ContainerLaunch;
  /** The environment, also given to `exec` sessions and exec probes. */
  readonly env: Readonly<Record<string, string>>;
}

export function prepareContainerLaunch(input: LaunchInput): PreparedLaunch {
  const { pod, container, images } = input;
  const program = images.program(container.image);
  const variables = containerEnvironment(container, input.environment);
  const podSecurity = pod.spec.securityContext ?? {};
  const security = container.securityContext ?? {};

  const explicitUser = security.runAsUser ?? podSecurity.runAsUser;
  const user = explicitUser ?? program.user;
  const group = security.runAsGroup ?? podSecurity.runAsGroup ?? (explicitUser === undefined ? program.group : 0);
  if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) && user === 0) {
    throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${pod.metadata.name}", container: ${container.name})`);
  }

  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOSTNAME: pod.spec.hostname ?? pod.metadata.name,
    HOME: user === 0 ? '/root' : '/',
    ...program.env,
    ...images.workloadIdentityEnv(container.image, pod, container, input.environment.podIp),
    ...Object.fromEntries(variables),
  };
  const commandLine = images.commandLine(program,
    expandCommandLine(container.command, variables), expandCommandLine(container.args, variables));

  const mounts: ContainerMount[] = (container.volumeMounts ?? []).map((mount) => ({
    source: mount.subPath ? path.join(input.volumes.hostPath(mount.name), mount.subPath) : input.volumes.hostPath(mount.name),
    target: mount.mountPath,
    readOnly: mount.readOnly === true,
  }));
  for (const [target, source] of [['/etc/hosts', input.hostsFile], ['/etc/resolv.conf', input.resolvConf]]) {
    if (!mounts.some((mount) => path.normalize(mount.target) === target)) mounts.push({ source, target, readOnly: false });
  }

  return {
    env,
    launch: {
      netnsPath: input.netnsPath,
      mounts,
      scratchDir: path.join(input.containerDir, 'scratch'),
      readOnlyRootFilesystem: security.readOnlyRootFilesystem === true,
      workingDir: container.workingDir,
      user,
      group,
      supplementalGroups: [...new Set([...podSecurity.supplementalGroups ?? [], ...podSecurity.fsGroup !== undefined ? [podSecurity.fsGroup] : []])],
      capabilities: security.privileged ? undefined : containerCapabilities(security.capabilities),
      noNewPrivileges: security.allowPrivilegeEscalation === false,
      commandLine,
      env,
      logFile: input.logFile,
    },
  };
}
