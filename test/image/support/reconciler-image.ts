/**
 * The reconciler image as the image suite builds and inspects it: buildah (vfs storage cached under
 * ~/.cache/cdk8s-mesh/containers, chroot isolation) builds reconciler/Dockerfile from a Node 24
 * base made from this host's files, and a working container exposes the image's root filesystem
 * and its config (entrypoint, user, environment) for running it without a container runtime.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
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
const DOCKERFILE = 'reconciler/Dockerfile';
const IGNORE_FILE = 'reconciler/Dockerfile.dockerignore';
const CONTEXT_DIGEST_LABEL = 'cdk8s-mesh.context-digest';

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
 * Builds the reconciler image and returns the base image's tag. The image carries a digest of
 * its build context (the files the ignore file lets through, the Dockerfile, the base image), so an
 * unchanged tree skips buildah altogether; otherwise buildah's layer cache still spares what did not
 * change. Builds of concurrent runs take turns through a lock.
 */
export function buildReconcilerImage(): { baseImage: string } {
  if (process.getuid?.() !== 0) {
    throw new Error(`test:image runs buildah and mounts the image's root filesystem, which needs root; this is uid ${process.getuid?.()}: run it as root (the CI container does)`);
  }
  fs.mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const baseImage = execFileSync('flock', [BUILD_LOCK, path.join(SUPPORT, 'node-base-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const digest = contextDigest(buildah(['inspect', '--type', 'image', '--format', '{{.FromImageID}}', baseImage]));
  if (imageLabel(IMAGE_TAG, CONTEXT_DIGEST_LABEL) === digest) return { baseImage };
  const volumes = fs.existsSync(HOST_NPM_CONFIG) ? ['--volume', `${HOST_NPM_CONFIG}:/usr/local/etc/npmrc:ro`] : [];
  execFileSync('flock', [BUILD_LOCK, BUILDAH, 'bud', '--isolation', 'chroot', '--layers', '--pull-never', '--network', 'host', '--quiet',
    '--ignorefile', IGNORE_FILE, ...volumes, '--label', `${CONTEXT_DIGEST_LABEL}=${digest}`,
    '--build-arg', `NODE_IMAGE=${baseImage}`, '-f', DOCKERFILE, '-t', IMAGE_TAG, '.'],
  { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return { baseImage };
}

function imageLabel(tag: string, label: string): string | undefined {
  try {
    return buildah(['inspect', '--type', 'image', '--format', `{{index .OCIv1.Config.Labels "${label}"}}`, tag]);
  } catch {
    return undefined;
  }
}

/** sha256 over the base image id and every file of the build context, by path and content. */
function contextDigest(baseImageId: string): string {
  const hash = createHash('sha256').update(baseImageId);
  // The ignore file excludes everything (`*`) and lets paths through with `!path` or `!dir/**`.
  const sent = fs.readFileSync(path.join(ROOT, IGNORE_FILE), 'utf8').split('\n')
    .filter((line) => line.startsWith('!')).map((line) => line.slice(1).replace(/\/\*\*$/, ''));
  const walk = (relative: string): string[] => fs.statSync(path.join(ROOT, relative)).isDirectory()
    ? fs.readdirSync(path.join(ROOT, relative)).sort().flatMap((entry) => walk(path.join(relative, entry)))
    : [relative];
  for (const file of [DOCKERFILE, IGNORE_FILE, ...sent.flatMap(walk)]) hash.update(`${file}\0`).update(fs.readFileSync(path.join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
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
