/**
 * Images as the image suite keeps them: buildah with vfs storage cached under
 * ~/.cache/cdk8s-mesh/containers and chroot isolation, image labels to skip builds whose input did
 * not change, and working containers that expose an image's root filesystem and config for
 * running it without a container runtime.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../../..');
export const SUPPORT = __dirname;
export const BUILDAH = path.join(SUPPORT, 'buildah.sh');
export const RUN_ROOTFS = path.join(SUPPORT, 'run-rootfs.sh');
const CACHE = process.env.CDK8S_MESH_CACHE ?? path.join(process.env.HOME ?? '/root', '.cache/cdk8s-mesh');
/** Builds of concurrent runs take turns through this lock. */
export const BUILD_LOCK = path.join(CACHE, 'containers', 'image-build.lock');

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

/** Runs buildah on the suite's store and returns its trimmed output. */
export function buildah(args: string[], options: { inherit?: boolean } = {}): string {
  return execFileSync(BUILDAH, args, {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', options.inherit ? 'inherit' : 'pipe'],
  }).trim();
}

/** A label of a local image, or undefined when the image does not exist. */
export function imageLabel(tag: string, label: string): string | undefined {
  try {
    return buildah(['inspect', '--type', 'image', '--format', `{{index .OCIv1.Config.Labels "${label}"}}`, tag]);
  } catch {
    return undefined;
  }
}

/** Fails with the reason when this process cannot build or mount images. */
export function requireRoot(suite: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${suite} runs buildah and mounts the image's root filesystem, which needs root; this is uid ${process.getuid?.()}: run it as root (the CI container does)`);
  }
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
