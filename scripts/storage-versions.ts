// Keeps only the storage version of each CRD so `cdk8s import` generates one class per kind
// (served-but-deprecated versions v1alpha3/v1beta1 would triple the generated code), and only the
// API groups the mesh emits.
import { readFileSync, writeFileSync } from 'fs';
import { parseAllDocuments, stringify } from 'yaml';

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  throw new Error('usage: storage-versions <crd-all.yaml> <output.yaml>');
}

const MESH_GROUPS = new Set(['networking.istio.io', 'security.istio.io']);

const out: string[] = [];
for (const doc of parseAllDocuments(readFileSync(source, 'utf8'))) {
  const crd = doc.toJS();
  if (!crd || crd.kind !== 'CustomResourceDefinition' || !MESH_GROUPS.has(crd.spec.group)) continue;
  crd.spec.versions = crd.spec.versions.filter((v: { storage?: boolean }) => v.storage === true);
  out.push(stringify(crd, { lineWidth: 0 }));
}
writeFileSync(target, out.join('---\n'));
