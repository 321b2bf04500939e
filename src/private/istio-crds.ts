import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { applySyncWave, SyncWave } from './sync-wave';

/**
 * The Istio CRDs shipped with the package. Two levels up from this file is the package root both
 * from `src/private` (tests) and from `lib/private` (compiled).
 */
export const ISTIO_CRDS_FILE = path.join(__dirname, '..', '..', 'imports', 'istio', 'crd-all.gen.yaml');

/** Adds every CustomResourceDefinition of the Istio CRD file to `scope`, in file order. */
export function addIstioCrds(scope: Construct): ApiObject[] {
  const documents = parseAllDocuments(fs.readFileSync(ISTIO_CRDS_FILE, 'utf8'))
    .map(document => document.toJS())
    .filter(crd => crd?.kind === 'CustomResourceDefinition');
  return documents.map(crd => {
    const apiObject = new ApiObject(scope, crd.metadata.name, crd);
    applySyncWave(apiObject, SyncWave.CRDS);
    return apiObject;
  });
}
