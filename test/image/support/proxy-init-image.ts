/**
 * The proxy-init image (the `istio-init` container's) as the image suite builds it:
 * reconciler/proxy-init.Dockerfile from a Debian base debootstrapped from the Debian archive. The
 * Dockerfile copies nothing, so it builds without a context.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUILD_LOCK, BUILDAH, buildah, imageLabel, requireRoot, ROOT, SUPPORT } from './image-store';

export const PROXY_INIT_IMAGE_TAG = 'localhost/cdk8s-mesh-proxy-init:test';
const DOCKERFILE = 'reconciler/proxy-init.Dockerfile';
const INPUT_DIGEST_LABEL = 'cdk8s-mesh.input-digest';

/** Builds the proxy-init image (unless the Dockerfile and base are unchanged); returns the base's tag. */
export function buildProxyInitImage(): { baseImage: string } {
  requireRoot('test:image');
  fs.mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const baseImage = execFileSync('flock', [BUILD_LOCK, path.join(SUPPORT, 'debian-base-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const baseImageId = buildah(['inspect', '--type', 'image', '--format', '{{.FromImageID}}', baseImage]);
  const dockerfile = fs.readFileSync(path.join(ROOT, DOCKERFILE));
  const digest = createHash('sha256').update(baseImageId).update(dockerfile).digest('hex').slice(0, 16);
  if (imageLabel(PROXY_INIT_IMAGE_TAG, INPUT_DIGEST_LABEL) === digest) return { baseImage };
  const emptyContext = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-init-context-'));
  try {
    execFileSync('flock', [BUILD_LOCK, BUILDAH, 'bud', '--isolation', 'chroot', '--layers', '--pull-never', '--network', 'host', '--quiet',
      '--label', `${INPUT_DIGEST_LABEL}=${digest}`, '--build-arg', `DEBIAN_IMAGE=${baseImage}`,
      '-f', path.join(ROOT, DOCKERFILE), '-t', PROXY_INIT_IMAGE_TAG, emptyContext],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    fs.rmSync(emptyContext, { recursive: true, force: true });
  }
  return { baseImage };
}
