import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { IstioSchemaValidator, ValidationIssue, formatValidationIssues } from '../../src/model';

// Test-side entry point to the Istio CRD validator: loads the full Istio CRDs once per
// test file and checks synthesized manifests the way a cluster would on `kubectl apply`.

const CRD_FILE = join(__dirname, '..', '..', 'imports', 'istio', 'crd-all.gen.yaml');

let crds: object[] | undefined;
let validator: IstioSchemaValidator | undefined;

/** The CustomResourceDefinition documents of `imports/istio/crd-all.gen.yaml`, parsed once. */
export function loadIstioCrds(): object[] {
  crds ??= parseAllDocuments(readFileSync(CRD_FILE, 'utf8'))
    .map((document) => document.toJS() as object | null)
    .filter((document): document is object => document !== null && (document as { kind?: unknown }).kind === 'CustomResourceDefinition');
  return crds;
}

function istioValidator(): IstioSchemaValidator {
  validator ??= new IstioSchemaValidator(loadIstioCrds());
  return validator;
}

/** Every issue of every object, one formatted line each (empty when all are valid). */
export function validateIstioObjects(objects: any[]): string[] {
  return objects.flatMap((obj) => formatLines(obj, istioValidator().validate(obj)));
}

/**
 * Validates the output of `Testing.synth(chart)`: Istio objects against their CRDs and core
 * Kubernetes objects for the fields the API server requires. Throws one error listing all issues.
 */
export function expectValidManifests(manifests: any[]): void {
  const problems = manifests.flatMap((manifest) => isIstioObject(manifest)
    ? formatLines(manifest, istioValidator().validate(manifest))
    : formatLines(manifest, coreObjectIssues(manifest)));
  if (problems.length > 0) {
    throw new Error(`${problems.length} invalid field(s) in the synthesized manifests:\n${problems.join('\n')}`);
  }
}

function formatLines(obj: unknown, issues: ValidationIssue[]): string[] {
  return issues.length === 0 ? [] : formatValidationIssues(obj, issues).split('\n');
}

function isIstioObject(manifest: any): boolean {
  const apiVersion = manifest?.apiVersion;
  return typeof apiVersion === 'string' && apiVersion.includes('/') && apiVersion.split('/')[0].endsWith('istio.io');
}

/** The required fields of the core kinds charts emit; their full schemas are the API server's concern. */
function coreObjectIssues(manifest: any): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const require = (present: boolean, path: string, message = 'required field is missing') => {
    if (!present) {
      issues.push({ path, message });
    }
  };
  require(isNonEmptyString(manifest?.apiVersion), 'apiVersion');
  require(isNonEmptyString(manifest?.kind), 'kind');
  require(isNonEmptyString(manifest?.metadata?.name), 'metadata.name');
  if (manifest?.kind === 'Deployment') {
    require(isObject(manifest.spec?.selector), 'spec.selector');
    require(isObject(manifest.spec?.template), 'spec.template');
    const containers = manifest.spec?.template?.spec?.containers;
    require(Array.isArray(containers) && containers.length > 0, 'spec.template.spec.containers', 'must list at least one container');
    (Array.isArray(containers) ? containers : []).forEach((container: any, index: number) => {
      require(isNonEmptyString(container?.name), `spec.template.spec.containers[${index}].name`);
      require(isNonEmptyString(container?.image), `spec.template.spec.containers[${index}].image`);
    });
  }
  if (manifest?.kind === 'Service') {
    const ports = manifest.spec?.ports;
    // Only ExternalName and headless Services may omit ports.
    const portsOptional = manifest.spec?.type === 'ExternalName' || manifest.spec?.clusterIP === 'None';
    require(portsOptional || (Array.isArray(ports) && ports.length > 0), 'spec.ports', 'must list at least one port');
    (Array.isArray(ports) ? ports : []).forEach((port: any, index: number) => {
      require(Number.isInteger(port?.port), `spec.ports[${index}].port`);
    });
  }
  return issues;
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
