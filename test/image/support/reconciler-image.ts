/**
 * The reconciler image as the image suite builds and inspects it: buildah (vfs storage cached under
 * ~/.cache/cdk8s-mesh/containers, chroot isolation) builds reconciler/Dockerfile from a Node 24
 * base made from this host's files, and a working container exposes the image's root filesystem
 * and its config (entrypoint, user, environment) for running it without a container runtime.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../../..');
const SUPPORT = __dirname;
const BUILDAH = path.join(SUPPORT, 'buildah.sh');
export const RUN_ROOTFS = path.join(SUPPORT, 'run-rootfs.sh');
export const IMAGE_TAG = 'localhost/cdk8s-mesh-reconciler:test';
const CACHE = process.env.CDK8S_MESH_CACHE ?? path.join(process.env.HOME ?? '/root', '.cache/cdk8s-mesh');
const BUILD_LOCK = path.join(CACHE, 'containers', 'reconciler-image.lock');
/** The build's own npm needs this host's npm settings (registry, CA file) to reach the registry. */
const HOST_NPM_CONFIG = '/etc/npmrc';

/** The OCI config of an image, as `buildah inspect` reports it. */
export interface ImageConfig {
  readonly User?: string;
  readonly Env?: string[];
  readonly Entrypoint?: string[];
  readonly Cmd?: string[];
  readonly WorkingDir?: string;
  readonly Volumes?: Record<string, unknown>;
  readonly ExposedPorts?: Record<string, unknown>;
}

function buildah(args: string[], options: { inherit?: boolean } = {}): string {
  return execFileSync(BUILDAH, args, {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', options.inherit ? 'inherit' : 'pipe'],
  }).trim();
}

/**
 * Builds the reconciler image (its layers cached by content, so an unchanged tree builds in
 * seconds) and returns the base image's tag. Builds of concurrent runs take turns through a lock.
 */
export function buildReconcilerImage(): { baseImage: string } {
  fs.mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const baseImage = execFileSync('flock', [BUILD_LOCK, path.join(SUPPORT, 'node-base-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const volumes = fs.existsSync(HOST_NPM_CONFIG) ? ['--volume', `${HOST_NPM_CONFIG}:/usr/local/etc/npmrc:ro`] : [];
  execFileSync('flock', [BUILD_LOCK, BUILDAH, 'bud', '--isolation', 'chroot', '--layers', '--pull-never', '--network', 'host', '--quiet',
    '--ignorefile', 'reconciler/Dockerfile.dockerignore', ...volumes,
    '--build-arg', `NODE_IMAGE=${baseImage}`, '-f', 'reconciler/Dockerfile', '-t', IMAGE_TAG, '.'],
  { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return { baseImage };
}

/** A working container of an image: its root filesystem as a directory, removed by `remove()`. */
export class ImageContainer {
  static create(tag: string): ImageContainer {
    const name = buildah(['from', '--pull-never', '--quiet', tag]);
    try {
      return new ImageContainer(name, buildah(['mount', name]), JSON.parse(buildah(['inspect', '--type', 'image', tag])).OCIv1.config);
    } catch (error) {
      buildah(['rm', name]);
      throw error;
    }
  }

  private constructor(readonly name: string, readonly rootfs: string, readonly config: ImageConfig) {}

  /** Every path in the image (relative, no leading slash), for asserting on its contents. */
  files(): string[] {
    const walk = (dir: string): string[] => fs.readdirSync(path.join(this.rootfs, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.join(dir, entry.name);
      return entry.isDirectory() && !entry.isSymbolicLink() ? [relative, ...walk(relative)] : [relative];
    });
    return walk('');
  }

  /** Bytes below `dir` of the image, for the size breakdown. */
  bytesBelow(dir: string): number {
    return Number(execFileSync('du', ['-sb', path.join(this.rootfs, dir)], { encoding: 'utf8' }).split('\t')[0]);
  }

  remove(): void {
    buildah(['rm', this.name]);
  }
}
