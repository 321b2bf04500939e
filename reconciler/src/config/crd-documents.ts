/**
 * The CRD documents the reconciler validates objects against, from a YAML file. The build keeps
 * the bundled file already parsed, as JSON named by the YAML's content hash (scripts/cache-crds.mjs);
 * a file with that content is read from there, anything else as YAML.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const PACKAGE_NAME = 'cdk8s-mesh-reconciler';

/** build/crd-cache of the reconciler package this module was compiled into, if it can be found. */
function cacheDir(): string | undefined {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) {
      return path.join(dir, 'build', 'crd-cache');
    }
  }
  return undefined;
}

export function readCrdDocuments(file: string): object[] {
  const text = fs.readFileSync(file, 'utf8');
  const dir = cacheDir();
  const cached = dir && path.join(dir, `${createHash('sha256').update(text).digest('hex')}.json`);
  if (cached && fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, 'utf8')) as object[];
  return parseAllDocuments(text).map((document) => document.toJS() as object).filter((document) => document);
}
