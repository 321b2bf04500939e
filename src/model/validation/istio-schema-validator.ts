import Ajv, { ValidateFunction } from 'ajv';
import { CrdCatalog } from './crd-catalog';
import { ExtensionCheckNode, buildExtensionChecks, runExtensionChecks } from './extension-checks';
import { isPlainObject } from './field-path';
import { addKubernetesFormats } from './kubernetes-formats';
import { CrdVersionSchema } from './kubernetes-schema';
import { validateObjectMetadata } from './object-metadata';
import { schemaErrorsToIssues } from './schema-errors';
import { toObjectJsonSchema } from './structural-schema';
import { ValidationIssue } from './validation-issue';

interface CompiledCrdVersion {
  readonly validateSchema: ValidateFunction;
  readonly extensionChecks?: ExtensionCheckNode;
}

/**
 * Checks Istio objects the way the Kubernetes API server checks them against their CRDs:
 * metadata naming rules, the OpenAPI structural schema (with unknown fields reported rather
 * than pruned) and the CEL rules. Pure: the CRD documents are passed in already parsed.
 * Each CRD version is compiled on first use and reused for every later object.
 */
export class IstioSchemaValidator {
  private readonly catalog: CrdCatalog;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, CompiledCrdVersion>();

  constructor(crds: object[]) {
    this.catalog = new CrdCatalog(crds);
    this.ajv = new Ajv({
      allErrors: true,
      verbose: true,
      allowUnionTypes: true,
      strictTypes: false,
      strictRequired: false,
      // The optimizer pass costs half of compiling a CRD schema (a quarter second per kind at start)
      // and gains validation little.
      code: { optimize: false },
    });
    addKubernetesFormats(this.ajv);
  }

  validate(obj: unknown): ValidationIssue[] {
    if (!isPlainObject(obj)) {
      return [{ path: '', message: `must be a Kubernetes object (a map with apiVersion, kind and metadata), got ${obj === null ? 'null' : typeof obj}` }];
    }
    const lookup = this.catalog.lookup(obj.apiVersion, obj.kind);
    if (!lookup.found) {
      return [lookup.issue];
    }
    const compiled = this.compile(lookup.crdVersion);
    const issues = validateObjectMetadata(obj.metadata);
    if (!compiled.validateSchema(obj)) {
      issues.push(...schemaErrorsToIssues(compiled.validateSchema.errors ?? [], obj));
    }
    if (compiled.extensionChecks) {
      runExtensionChecks(compiled.extensionChecks, obj, '', issues);
    }
    return issues;
  }

  private compile(crdVersion: CrdVersionSchema): CompiledCrdVersion {
    const key = `${crdVersion.group}/${crdVersion.version}/${crdVersion.kind}`;
    let compiled = this.compiled.get(key);
    if (!compiled) {
      compiled = {
        validateSchema: this.ajv.compile(toObjectJsonSchema(crdVersion.schema)),
        extensionChecks: buildExtensionChecks(crdVersion.schema),
      };
      this.compiled.set(key, compiled);
    }
    return compiled;
  }
}
