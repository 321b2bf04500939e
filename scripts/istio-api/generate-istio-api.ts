/**
 * Writes src/model/istio-api.gen.ts from the bundled Istio CRDs (see render-istio-api.ts).
 *   npx projen generate:istio-api
 */
import * as fs from 'fs';
import * as path from 'path';
import { renderIstioApi } from './render-istio-api';

export const ROOT = path.resolve(__dirname, '../..');
export const CRDS_FILE = 'imports/istio/crd-all.gen.yaml';
export const GENERATED_FILE = 'src/model/istio-api.gen.ts';

if (require.main === module) {
  const text = renderIstioApi(fs.readFileSync(path.join(ROOT, CRDS_FILE), 'utf8'), CRDS_FILE);
  fs.writeFileSync(path.join(ROOT, GENERATED_FILE), text);
  process.stdout.write(`wrote ${GENERATED_FILE} (${text.length} characters)\n`);
}
