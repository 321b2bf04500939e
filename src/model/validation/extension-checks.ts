import { toCelInput } from './cel/cel-value';
import { CelRuleCompileError, CompiledCelRule } from './cel/compiled-cel-rule';
import { appendIndex, appendProperty, isPlainObject } from './field-path';
import { CelValidationRule, KubernetesSchema } from './kubernetes-schema';
import { quoteValue } from './quote-value';
import { describeValue } from './schema-type-messages';
import { ValidationIssue } from './validation-issue';

// Checks the Kubernetes schema extensions JSON schema cannot express: CEL rules
// (`x-kubernetes-validations`) and list uniqueness (`x-kubernetes-list-type: set | map`).
// The schema is reduced once to a tree of only the nodes that carry such checks (or lead to
// one), so validating an object visits just those fields.

type RuleOrCompileError = CompiledCelRule | { readonly rule: string; readonly compileError: string };

export interface ExtensionCheckNode {
  readonly schema: KubernetesSchema;
  readonly rules: readonly RuleOrCompileError[];
  readonly properties: ReadonlyMap<string, ExtensionCheckNode>;
  readonly additionalProperties?: ExtensionCheckNode;
  readonly items?: ExtensionCheckNode;
}

const compiledRules = new Map<string, RuleOrCompileError>();

export function buildExtensionChecks(schema: KubernetesSchema): ExtensionCheckNode | undefined {
  const properties = new Map<string, ExtensionCheckNode>();
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const childNode = buildExtensionChecks(child);
    if (childNode) {
      properties.set(name, childNode);
    }
  }
  const additionalProperties = typeof schema.additionalProperties === 'object'
    ? buildExtensionChecks(schema.additionalProperties) : undefined;
  const items = schema.items ? buildExtensionChecks(schema.items) : undefined;
  const rules = (schema['x-kubernetes-validations'] ?? []).map(compileCached);
  const hasListType = schema['x-kubernetes-list-type'] === 'set' || schema['x-kubernetes-list-type'] === 'map';
  if (rules.length === 0 && !hasListType && properties.size === 0 && !additionalProperties && !items) {
    return undefined;
  }
  return { schema, rules, properties, additionalProperties, items };
}

export function runExtensionChecks(node: ExtensionCheckNode, value: unknown, path: string, issues: ValidationIssue[]): void {
  if (value === undefined || value === null) {
    return;
  }
  if (Array.isArray(value)) {
    checkListType(node.schema, value, path, issues);
    if (node.items) {
      value.forEach((element, index) => runExtensionChecks(node.items!, element, appendIndex(path, index), issues));
    }
  } else if (isPlainObject(value)) {
    for (const [name, child] of Object.entries(value)) {
      const childNode = node.properties.get(name)
        ?? (node.schema.properties?.[name] === undefined ? node.additionalProperties : undefined);
      if (childNode) {
        runExtensionChecks(childNode, child, appendProperty(path, name), issues);
      }
    }
  }
  if (node.rules.length > 0 && matchesSchemaType(node.schema, value)) {
    checkRules(node, value, path, issues);
  }
}

function checkRules(node: ExtensionCheckNode, value: unknown, path: string, issues: ValidationIssue[]): void {
  const self = toCelInput(value, node.schema);
  for (const rule of node.rules) {
    if (!(rule instanceof CompiledCelRule)) {
      issues.push({ path, rule: rule.rule, message: `the CRD's rule cannot be checked: ${rule.compileError}` });
    } else if (!rule.isTransitionRule) {
      const outcome = rule.evaluate(self);
      if (!outcome.passed) {
        const got = `got ${describeValue(value)}`;
        const message = outcome.expectedForm
          ? `${outcome.message}; ${got}, which this rule cannot check: it needs ${outcome.expectedForm.description}. ${outcome.expectedForm.fix}`
          : `${outcome.message}; ${got}`;
        issues.push({ path, rule: rule.rule, message });
      }
    }
  }
}

/** The API server rejects duplicate entries in set lists and duplicate keys in map lists. */
function checkListType(schema: KubernetesSchema, list: readonly unknown[], path: string, issues: ValidationIssue[]): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== 'set' && listType !== 'map') {
    return;
  }
  const mapKeys = schema['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Map<string, number>();
  list.forEach((element, index) => {
    const identity = listType === 'set'
      ? JSON.stringify(element)
      : JSON.stringify(mapKeys.map((key) => isPlainObject(element) ? element[key] ?? null : null));
    const firstIndex = seen.get(identity);
    if (firstIndex === undefined) {
      seen.set(identity, index);
      return;
    }
    const what = listType === 'set' ? `value ${quoteValue(element)}` : `key (${mapKeys.join(', ')}) = ${quoteValue(JSON.parse(identity))}`;
    issues.push({ path: appendIndex(path, index), message: `duplicate entry: ${what} already appears at index ${firstIndex}. Remove one of them.` });
  });
}

function matchesSchemaType(schema: KubernetesSchema, value: unknown): boolean {
  switch (schema.type) {
    case 'object': return isPlainObject(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string' || (schema['x-kubernetes-int-or-string'] === true && Number.isInteger(value));
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    default: return true;
  }
}

function compileCached(validation: CelValidationRule): RuleOrCompileError {
  const key = JSON.stringify([validation.rule, validation.message, validation.messageExpression]);
  let compiled = compiledRules.get(key);
  if (!compiled) {
    try {
      compiled = new CompiledCelRule(validation);
    } catch (error) {
      if (!(error instanceof CelRuleCompileError)) {
        throw error;
      }
      compiled = { rule: validation.rule, compileError: error.message };
    }
    compiledRules.set(key, compiled);
  }
  return compiled;
}
