/**
 * Regexes Envoy would refuse. Envoy refuses a whole RouteConfiguration or Listener for one bad
 * regex, so an object carrying one is rejected here, naming the field, instead of being served.
 * Checked: the regex fields of VirtualServices, and the regexes the RBAC generator builds from
 * AuthorizationPolicy namespaces.
 */
import { envoyRegexIssues, envoyRegexRefusal, quoteValue } from '../model';
import type { MeshObject } from '../push/contract';
import { namespacePrincipalRegex } from '../xds/translate/security/rbac-rules';

export function regexProblems(object: MeshObject): string[] {
  switch (object.kind) {
    case 'VirtualService':
      return envoyRegexIssues(object).map((issue) => `${issue.path}: ${issue.message}`);
    case 'AuthorizationPolicy':
      return namespaceRegexProblems(object);
    default:
      return [];
  }
}

function namespaceRegexProblems(object: MeshObject): string[] {
  const problems: string[] = [];
  const check = (value: unknown, path: string) => {
    if (typeof value !== 'string') {
      return;
    }
    const refusal = envoyRegexRefusal(namespacePrincipalRegex(value));
    if (refusal) {
      problems.push(`${path}: the peer identity regex built for namespace ${quoteValue(value)} would be refused by Envoy: ${refusal.problem}. Use a shorter namespace or pattern.`);
    }
  };
  listOf((object.spec as Record<string, unknown> | undefined)?.rules).forEach((rule, ruleIndex) => {
    listOf(rule.from).forEach((from, fromIndex) => {
      const source = (from.source ?? {}) as Record<string, unknown>;
      for (const field of ['namespaces', 'notNamespaces']) {
        stringsOf(source[field]).forEach((value, index) => check(value, `spec.rules[${ruleIndex}].from[${fromIndex}].source.${field}[${index}]`));
      }
    });
    listOf(rule.when).filter((condition) => condition.key === 'source.namespace').forEach((condition, whenIndex) => {
      for (const field of ['values', 'notValues']) {
        stringsOf(condition[field]).forEach((value, index) => check(value, `spec.rules[${ruleIndex}].when[${whenIndex}].${field}[${index}]`));
      }
    });
  });
  return problems;
}

function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'object' && item !== null && !Array.isArray(item)) : [];
}

function stringsOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
