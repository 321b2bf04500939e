/**
 * One container as a process: it enters the pod's network namespace, gets a private mount
 * namespace in which its volumes are bind-mounted at their mount paths, and then becomes the
 * container's user with the container's capabilities:
 *
 *   nsenter --net=<pod netns> unshare -m --propagation private sh -c '<mounts>; exec setpriv … -- "$@"' sh <program> <args>
 *
 * Every step execs the next, so the recorded pid is the program's. A mount path whose parent does
 * not exist on the node (e.g. /etc/istio/proxy) is made inside an overlay over its nearest existing
 * ancestor, in the container's mount namespace only: nothing is ever created on the node's own
 * filesystem.
 */
import * as fs from 'fs';
import * as path from 'path';
import { shellQuote } from '../cluster/command';
import { ManagedProcess } from '../cluster/managed-process';

export interface ContainerMount {
  /** File or directory on the node. */
  readonly source: string;
  /** Mount path in the container. */
  readonly target: string;
  readonly readOnly: boolean;
}

export interface ContainerLaunch {
  readonly netnsPath: string;
  readonly mounts: readonly ContainerMount[];
  /** A directory of the container's own for overlay layers. */
  readonly scratchDir: string;
  readonly readOnlyRootFilesystem: boolean;
  readonly workingDir?: string;
  readonly user: number;
  readonly group: number;
  readonly supplementalGroups: readonly number[];
  /** Capabilities the process may have (the bounding set); undefined keeps all (privileged). */
  readonly capabilities?: readonly string[];
  readonly noNewPrivileges: boolean;
  /** Program (a path on the node) and its arguments. */
  readonly commandLine: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
}

/** The capabilities a container runtime grants by default (containerd's and Docker's list). */
export const DEFAULT_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** The bounding set of a container: the defaults, minus `drop` (`ALL` drops every one), plus `add`. */
export function containerCapabilities(capabilities: { add?: string[]; drop?: string[] } | undefined): string[] {
  const strip = (name: string) => name.toUpperCase().replace(/^CAP_/, '');
  const drop = (capabilities?.drop ?? []).map(strip);
  const base = drop.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((name) => !drop.includes(name));
  return [...new Set([...base, ...(capabilities?.add ?? []).map(strip)])].sort();
}

export interface OverlayPlan {
  /** Directories to cover with a writable overlay, outermost first. */
  readonly overlayRoots: string[];
  /** Mount targets with symlinks of their existing part resolved. */
  readonly targets: string[];
}

/**
 * Which existing directories need an overlay so that every target can be created in the
 * container's view: the nearest existing ancestor of each missing target, unless an overlay
 * already covers it.
 */
export function planOverlays(targets: readonly string[], exists: (file: string) => boolean, realpath: (file: string) => string): OverlayPlan {
  const candidates: string[] = [];
  const resolved = targets.map((target) => {
    let ancestor = target;
    while (!exists(ancestor)) ancestor = path.dirname(ancestor);
    const real = realpath(ancestor);
    if (ancestor === target) return real;
    if (real === '/') {
      throw new Error(`mount path ${target} needs a new top-level directory; the node agent can only create directories below an existing one other than /`);
    }
    candidates.push(real);
    return path.join(real, path.relative(ancestor, target));
  });
  const roots: string[] = [];
  for (const candidate of [...new Set(candidates)].sort((a, b) => a.length - b.length)) {
    if (!roots.some((root) => candidate === root || candidate.startsWith(`${root}/`))) roots.push(candidate);
  }
  return { overlayRoots: roots, targets: resolved };
}

/** The shell script run as root in the container's mount namespace before it execs the program. */
export function buildMountScript(launch: ContainerLaunch, plan: OverlayPlan, isFile: (file: string) => boolean): string {
  const q = shellQuote;
  const [mkdir, mountTool, setprivTool] = ['mkdir', 'mount', 'setpriv'].map(systemTool);
  const lines = ['set -e'];
  plan.overlayRoots.forEach((root, index) => {
    const layer = path.join(launch.scratchDir, `overlay-${index}`);
    if (layer.startsWith(`${root}/`)) {
      throw new Error(`mount paths need an overlay over ${root}, which holds the agent's own scratch directory ${launch.scratchDir}`);
    }
    lines.push(`${mkdir} -p ${q(`${layer}/upper`)} ${q(`${layer}/work`)}`);
    lines.push(`${mountTool} -t overlay overlay -o ${q(`lowerdir=${root},upperdir=${layer}/upper,workdir=${layer}/work`)} ${q(root)}`);
  });
  launch.mounts.forEach((mount, index) => {
    const target = plan.targets[index];
    const underOverlay = plan.overlayRoots.some((root) => target.startsWith(`${root}/`));
    if (underOverlay) {
      // Only inside an overlay, never on the node: create the mount point if it is missing.
      lines.push(isFile(mount.source)
        ? `[ -e ${q(target)} ] || { ${mkdir} -p ${q(path.dirname(target))}; : > ${q(target)}; }`
        : `${mkdir} -p ${q(target)}`);
    }
    lines.push(`${mountTool} --bind ${q(mount.source)} ${q(target)}`);
    if (mount.readOnly) lines.push(`${mountTool} -o remount,bind,ro ${q(target)}`);
  });
  if (launch.readOnlyRootFilesystem) {
    lines.push(`${mountTool} -o remount,bind,ro /`);
    for (const root of plan.overlayRoots) lines.push(`${mountTool} -o remount,ro ${q(root)}`);
  }
  if (launch.workingDir) lines.push(`cd ${q(launch.workingDir)}`);
  const setpriv = [
    setprivTool, `--reuid=${launch.user}`, `--regid=${launch.group}`,
    launch.supplementalGroups.length > 0 ? `--groups=${launch.supplementalGroups.join(',')}` : '--clear-groups',
    ...(launch.capabilities ? [`--bounding-set=${['-all', ...launch.capabilities.map((name) => `+${name.toLowerCase()}`)].join(',')}`] : []),
    ...(launch.noNewPrivileges ? ['--no-new-privs'] : []),
  ];
  // Tell the agent the container is set up (fd 3), and keep the pipe from the program.
  lines.push('printf ready >&3', 'exec 3>&-');
  lines.push(`exec ${setpriv.join(' ')} -- "$@"`);
  return lines.join('\n');
}

/** Absolute paths of the node's tools, so a container's own PATH cannot change how it is set up. */
const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
export function systemTool(name: string): string {
  for (const dir of SYSTEM_DIRS) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed on this machine (looked in ${SYSTEM_DIRS.join(', ')}); the node agent needs util-linux and iproute2`);
}

/**
 * Starts the container and resolves once its mounts are in place (or it has exited), so that
 * `exec` and probes never enter a mount namespace that is still being set up.
 */
export async function startContainerProcess(container: ContainerLaunch): Promise<ManagedProcess> {
  // Parents before children, as container runtimes mount them.
  const depth = (mount: ContainerMount) => path.normalize(mount.target).split('/').length;
  const launch = { ...container, mounts: [...container.mounts].sort((a, b) => depth(a) - depth(b)) };
  const plan = planOverlays(launch.mounts.map((mount) => mount.target), fs.existsSync, fs.realpathSync);
  const script = buildMountScript(launch, plan, (file) => fs.statSync(file).isFile());
  fs.mkdirSync(launch.scratchDir, { recursive: true });
  const started = ManagedProcess.start({
    command: systemTool('nsenter'),
    args: [`--net=${launch.netnsPath}`, systemTool('unshare'), '-m', '--propagation', 'private', systemTool('sh'), '-c', script, 'sh', ...launch.commandLine],
    env: { ...launch.env },
    logFile: launch.logFile,
    readyPipe: true,
  });
  await Promise.race([started.ready, started.exited]);
  return started;
}
