/**
 * The image table: the one stand-in of the suite. There are no container images here, so each
 * image maps to programs of this machine: the proxy image to the real Envoy binary, the reconciler
 * image to the built reconciler CLI (entrypoint, default arguments, user and env read from its
 * Dockerfile), the proxy-init image to this machine's `sh` and `iptables`, and application images
 * to the workload test server. Everything else (command,
 * args, env, user, mounts) comes from the pod spec as is.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Container, Pod } from './pod-types';
import { isExecutable } from '../../../reconciler/test/support/envoy';

/** What a container image would bring: its entrypoint, default arguments, user, env and programs. */
export interface ImageProgram {
  /** Docker ENTRYPOINT: run when the container has no `command`. */
  readonly entrypoint: readonly string[];
  /** Docker CMD: the arguments when the container has neither `command` nor `args`. */
  readonly defaultArgs: readonly string[];
  /** Docker USER. */
  readonly user: number;
  readonly group: number;
  readonly env: Readonly<Record<string, string>>;
  /** Programs the image carries, by the name a `command` calls them. */
  readonly binaries: Readonly<Record<string, string>>;
}

/** The machine's programs the table maps images to. */
export interface ImageTableSettings {
  readonly envoyBinary: string;
  readonly repoRoot: string;
  /** The compiled workload test server (a plain Node script). */
  readonly workloadServerScript: string;
}

/** The PATH processes get, as a container runtime sets it for an image without ENV PATH. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Application images of the examples and tests: all served by the workload test server. */
const APPLICATION_IMAGES = [/^(docker\.io\/)?istio\/examples-bookinfo-/, /^registry\.example\.com\//, /^example\//];

export class ImageTable {
  private readonly reconciler: ImageProgram;

  constructor(private readonly settings: ImageTableSettings) {
    this.reconciler = reconcilerImageFromDockerfile(settings.repoRoot);
    // Containers run as unprivileged users: the programs must be readable by any user.
    for (const file of [settings.envoyBinary, settings.workloadServerScript, ...this.reconciler.entrypoint.slice(1)]) requireWorldReadable(file);
  }

  /** The programs of `image`; an image the table does not know fails like a pull would. */
  program(image: string): ImageProgram {
    if (/^(docker\.io\/)?envoyproxy\/envoy(-[a-z]+)?:/.test(image)) {
      // The upstream image's entrypoint runs envoy as uid 101 unless the pod says otherwise.
      return { entrypoint: ['envoy'], defaultArgs: ['-c', '/etc/envoy/envoy.yaml'], user: 101, group: 101, env: {}, binaries: { envoy: this.settings.envoyBinary } };
    }
    if (/^ghcr\.io\/cdk8s-mesh\/reconciler:/.test(image)) return this.reconciler;
    // reconciler/proxy-init.Dockerfile: Debian with iptables, no entrypoint; pods name the command.
    if (/^ghcr\.io\/cdk8s-mesh\/proxy-init:/.test(image)) return { entrypoint: [], defaultArgs: [], user: 0, group: 0, env: {}, binaries: {} };
    if (APPLICATION_IMAGES.some((pattern) => pattern.test(image))) {
      return { entrypoint: [process.execPath, this.settings.workloadServerScript], defaultArgs: [], user: 1000, group: 1000, env: {}, binaries: {} };
    }
    throw new ImageNotFoundError(`image ${image} is not in the node agent's image table (test/kubernetes/node-agent/image-table.ts); add the program it stands for there`);
  }

  /** The environment an application image adds: who the test server says it is. */
  workloadIdentityEnv(image: string, pod: Pod, container: Container, podIp: string): Record<string, string> {
    if (!APPLICATION_IMAGES.some((pattern) => pattern.test(image))) return {};
    const labels = pod.metadata.labels ?? {};
    return {
      WORKLOAD_SERVICE: labels.app ?? labels['app.kubernetes.io/name'] ?? container.name,
      WORKLOAD_VERSION: labels.version ?? '',
      WORKLOAD_POD: pod.metadata.name,
      WORKLOAD_NAMESPACE: pod.metadata.namespace ?? '',
      WORKLOAD_POD_IP: podIp,
      WORKLOAD_IMAGE: image,
      WORKLOAD_PORTS: (container.ports ?? []).map((port) => port.containerPort).join(','),
    };
  }

  /**
   * The command line the container runs: `command` replaces the entrypoint (and drops the default
   * arguments), `args` replaces the default arguments; the program is looked up in the image.
   */
  commandLine(program: ImageProgram, command: readonly string[] | undefined, args: readonly string[] | undefined): string[] {
    const line = command && command.length > 0
      ? [...command, ...args ?? []]
      : [...program.entrypoint, ...args ?? program.defaultArgs];
    if (line.length === 0) throw new ImageNotFoundError('the container has no command and its image no entrypoint');
    return [this.resolveProgram(program, line[0]), ...line.slice(1)];
  }

  private resolveProgram(program: ImageProgram, name: string): string {
    const mapped = program.binaries[name] ?? program.binaries[path.basename(name)];
    if (mapped) return mapped;
    if (path.isAbsolute(name)) {
      if (isExecutable(name)) return name;
      throw new ImageNotFoundError(`${name} does not exist in the image (this machine)`);
    }
    for (const dir of DEFAULT_PATH.split(':')) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
    throw new ImageNotFoundError(`executable "${name}" not found in $PATH of the image`);
  }
}

/** The image or program is missing: the pod waits with ErrImagePull / CreateContainerError. */
export class ImageNotFoundError extends Error {}

/**
 * The reconciler image as its Dockerfile builds it: the runtime stage's ENTRYPOINT and CMD (with
 * its WORKDIR mapped to this repository), USER and ENV.
 */
export function reconcilerImageFromDockerfile(repoRoot: string): ImageProgram {
  const dockerfile = path.join(repoRoot, 'reconciler/Dockerfile');
  const stages = fs.readFileSync(dockerfile, 'utf8').split(/^FROM .*$/m);
  const runtime = stages[stages.length - 1];
  const instruction = (name: string) => [...runtime.matchAll(new RegExp(`^${name}\\s+(.+)$`, 'gm'))].map((match) => match[1].trim());
  const workdir = instruction('WORKDIR').pop() ?? '/';
  const execForm = (name: string): string[] => {
    const text = instruction(name).pop();
    if (!text) throw new Error(`${dockerfile} has no ${name} in its runtime stage; the image table reads the reconciler's entrypoint from it`);
    return (JSON.parse(text) as string[]).map((part) => part.startsWith(`${workdir}/`) ? path.join(repoRoot, part.slice(workdir.length + 1)) : part);
  };
  const [user, group] = (instruction('USER').pop() ?? '0:0').split(':').map(Number);
  const env = Object.fromEntries(instruction('ENV').map((line) => line.split('=', 2) as [string, string]));
  const [entry, ...entryArgs] = execForm('ENTRYPOINT');
  return {
    entrypoint: [entry === 'node' ? process.execPath : entry, ...entryArgs],
    defaultArgs: execForm('CMD'),
    user,
    group: group ?? user,
    env,
    binaries: { node: process.execPath },
  };
}

/** Fails unless every directory above `file` lets any user through and the file is readable by all. */
function requireWorldReadable(file: string): void {
  let current = path.resolve(file);
  const blocked: string[] = [];
  // Permission bits of "others": 4 read, 1 enter (search).
  const othersMay = (mode: number, bit: number) => Math.floor((mode % 8) / bit) % 2 === 1;
  if (!othersMay(fs.statSync(current).mode, 4)) blocked.push(`${current} (not readable by others)`);
  while (current !== path.dirname(current)) {
    current = path.dirname(current);
    const mode = fs.statSync(current).mode;
    if (!othersMay(mode, 1)) blocked.push(`${current} (mode ${(mode % 0o1000).toString(8)})`);
  }
  if (blocked.length > 0) {
    throw new Error(`${file} must be reachable by the unprivileged users containers run as, but ${blocked.join(', ')} blocks it; `
      + 'clone the repository (and install Envoy) below a directory every user may enter, or chmod o+x the directories');
  }
}
