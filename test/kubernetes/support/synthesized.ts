/**
 * What the scenarios apply: the examples and scenario meshes synthesized in-process by the
 * constructs, exactly as `npm run synth` writes them, and the Istio CRDs a bare cluster needs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { discoverExamples, findBuilder } from '../../../scripts/synth-examples';
import type { Cluster } from '../cluster/cluster';
import { REPO_ROOT } from '../cluster/test-binaries';

export { discoverExamples };

export const ISTIO_CRDS_FILE = path.join(REPO_ROOT, 'imports/istio/crd-all.gen.yaml');

/** The YAML `npm run synth` writes for `examples/<example>/main.ts`, all documents in one stream. */
export function synthesizeExample(example: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path.join(REPO_ROOT, 'examples', example, 'main.ts')) as Record<string, unknown>;
  const app: App = Testing.app();
  findBuilder(example, module)(app);
  return app.synthYaml();
}

/** Applies the Istio CRDs (server-side) and waits until the API server serves them. */
export async function applyIstioCrds(cluster: Cluster): Promise<void> {
  await cluster.apply(fs.readFileSync(ISTIO_CRDS_FILE, 'utf8'), 'istio-crds');
  await cluster.kubectl(['wait', '--for=condition=Established', 'customresourcedefinitions', '--all', '--timeout=60s']);
}
