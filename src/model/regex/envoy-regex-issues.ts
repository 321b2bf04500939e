import { envoyRegexRefusal } from './envoy-regex';
import { regexFieldsOf } from './istio-regex-fields';
import { quoteValue } from '../validation/quote-value';
import { ValidationIssue } from '../validation/validation-issue';

/**
 * One issue per regex field of `object` that Envoy would refuse. Values that are not strings are
 * left to the schema check, which reports them as type errors.
 */
export function envoyRegexIssues(object: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const { path, value } of regexFieldsOf(object)) {
    if (typeof value !== 'string') {
      continue;
    }
    const refusal = envoyRegexRefusal(value);
    if (refusal) {
      issues.push({ path, message: `Envoy would refuse ${quoteValue(value)}: ${refusal.problem}. ${refusal.fix}` });
    }
  }
  return issues;
}
