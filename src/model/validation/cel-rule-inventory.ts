import { CelRuleCompileError, CompiledCelRule } from './cel/compiled-cel-rule';
import { appendProperty, isPlainObject } from './field-path';
import { KubernetesSchema } from './kubernetes-schema';

/** A CEL rule found in a CRD, with where it sits: `VirtualService v1 spec.http[].timeout`. */
export interface CelRuleLocation {
  readonly location: string;
  readonly rule: string;
}

export interface UncompilableCelRule extends CelRuleLocation {
  readonly reason: string;
}

/** Every `x-kubernetes-validations` rule in the given CRD documents. */
export function listCelRules(crds: readonly object[]): CelRuleLocation[] {
  const found: CelRuleLocation[] = [];
  for (const crd of crds) {
    const spec = (crd as { spec?: unknown }).spec;
    if (!isPlainObject(spec) || !Array.isArray(spec.versions)) {
      continue;
    }
    const kind = isPlainObject(spec.names) ? String(spec.names.kind) : String(spec.group);
    for (const version of spec.versions.filter(isPlainObject)) {
      const schema = isPlainObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
      if (isPlainObject(schema)) {
        collectRules(schema as KubernetesSchema, `${kind} ${String(version.name)} `, '', found);
      }
    }
  }
  return found;
}

/** The rules the validator's CEL environment cannot compile, each with the reason. */
export function findUncompilableCelRules(crds: readonly object[]): UncompilableCelRule[] {
  const failures: UncompilableCelRule[] = [];
  for (const location of listCelRules(crds)) {
    try {
      new CompiledCelRule({ rule: location.rule });
    } catch (error) {
      if (!(error instanceof CelRuleCompileError)) {
        throw error;
      }
      failures.push({ ...location, reason: error.message });
    }
  }
  return failures;
}

function collectRules(schema: KubernetesSchema, prefix: string, path: string, found: CelRuleLocation[]): void {
  for (const validation of schema['x-kubernetes-validations'] ?? []) {
    found.push({ location: `${prefix}${path === '' ? '<root>' : path}`, rule: validation.rule });
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    collectRules(child, prefix, appendProperty(path, name), found);
  }
  if (typeof schema.additionalProperties === 'object') {
    collectRules(schema.additionalProperties, prefix, `${path}[*]`, found);
  }
  if (schema.items) {
    collectRules(schema.items, prefix, `${path}[]`, found);
  }
}
