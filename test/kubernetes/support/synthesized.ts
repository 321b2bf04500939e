/**
 * What the scenarios apply: the examples and scenario meshes synthesized in-process by the
 * constructs, exactly as `npm run synth` writes them, and the Istio CRDs a bare cluster needs.
 */
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { discoverExamples, findBuilder } from '../../../scripts/synth-examples';
import { REPO_ROOT } from '../cluster/test-binaries';

export { discoverExamples };
export { applyIstioCrds, ISTIO_CRDS_FILE } from '../cluster/istio-crds';

/** The YAML `npm run synth` writes for `examples/<example>/main.ts`, all documents in one stream. */
export function synthesizeExample(example: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path.join(REPO_ROOT, 'examples', example, 'main.ts')) as Record<string, unknown>;
  const app: App = Testing.app();
  findBuilder(example, module)(app);
  return app.synthYaml();
}

