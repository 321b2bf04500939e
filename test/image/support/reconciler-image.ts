/**
 * The reconciler image as the image suite builds it: reconciler/Dockerfile from a Node 24 base made
 * from this host's files.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BUILD_LOCK, BUILDAH, buildah, imageLabel, requireRoot, ROOT, SUPPORT } from './image-store';

export const IMAGE_TAG = 'localhost/cdk8s-mesh-reconciler:test';
/** The build's own npm needs this host's npm settings (registry, CA file) to reach the registry. */
const HOST_NPM_CONFIG = '/etc/npmrc';
const DOCKERFILE = 'reconciler/Dockerfile';
const IGNORE_FILE = 'reconciler/Dockerfile.dockerignore';
const CONTEXT_DIGEST_LABEL = 'cdk8s-mesh.context-digest';

/**
 * Builds the reconciler image and returns the base image's tag. The image carries a digest of
 * its build context (the files the ignore file lets through, the Dockerfile, the base image), so an
 * unchanged tree skips buildah altogether; otherwise buildah's layer cache still spares what did not
 * change.
 */
export function buildReconcilerImage(): { baseImage: string } {
  requireRoot('test:image');
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
