/** The Istio CRDs a bare cluster needs before Istio objects can be written (the suite and the istiod benchmark apply them). */
import * as fs from 'fs';
import * as path from 'path';
import type { Cluster } from './cluster';
import { REPO_ROOT } from './test-binaries';

export const ISTIO_CRDS_FILE = path.join(REPO_ROOT, 'imports/istio/crd-all.gen.yaml');

/** Applies the Istio CRDs (server-side) and waits until the API server serves them. */
export async function applyIstioCrds(cluster: Cluster): Promise<void> {
  await cluster.apply(fs.readFileSync(ISTIO_CRDS_FILE, 'utf8'), 'istio-crds');
  // Right after the apply a CRD may have no status yet, which `kubectl wait` reports as an error: ask again.
  await cluster.waitFor('the Istio CRDs to be Established', () =>
    cluster.kubectl(['wait', '--for=condition=Established', 'customresourcedefinitions', '--all', '--timeout=60s']).then(() => true), 90_000, 500);
}
