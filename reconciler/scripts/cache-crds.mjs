// Parses the bundled Istio CRDs (imports/istio/crd-all.gen.yaml) once at build time into
// build/crd-cache/<sha256 of the YAML>.json: reading the YAML costs the reconciler half a second at
// every start, JSON a few milliseconds. A --crds file with other content is read as YAML.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, '..', 'imports', 'istio', 'crd-all.gen.yaml');
if (!existsSync(source)) {
  console.warn(`cache-crds: ${source} not found; the reconciler will read its --crds file as YAML`);
} else {
  const text = readFileSync(source, 'utf8');
  const documents = parseAllDocuments(text).map((document) => document.toJS()).filter((document) => document);
  const out = join(root, 'build', 'crd-cache');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${createHash('sha256').update(text).digest('hex')}.json`), JSON.stringify(documents));
}
