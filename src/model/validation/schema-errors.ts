import type { ErrorObject } from 'ajv';
import { appendProperty, jsonPointerToFieldPath } from './field-path';
import { ValidationIssue } from './validation-issue';

// Turns ajv's errors into issues that read like the API server's: one per problem, at the
// offending field. Errors from inside oneOf/anyOf/not branches are folded into the
// combinator's own error, because "branch 2 requires field x" explains nothing on its own.

const COMBINATORS = new Set(['oneOf', 'anyOf', 'not']);

export function schemaErrorsToIssues(errors: readonly ErrorObject[], root: unknown): ValidationIssue[] {
  const combinatorPaths = errors.filter((error) => COMBINATORS.has(error.keyword)).map((error) => `${error.schemaPath}/`);
  return errors
    .filter((error) => !combinatorPaths.some((prefix) => error.schemaPath.startsWith(prefix)))
    .map((error) => toIssue(error, root));
}

function toIssue(error: ErrorObject, root: unknown): ValidationIssue {
  const path = jsonPointerToFieldPath(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        path: appendProperty(path, String(params.additionalProperty)),
        message: `unknown field "${params.additionalProperty}": the CRD schema does not declare it, so the API server would silently drop it`,
      };
    case 'required':
      return { path: appendProperty(path, String(params.missingProperty)), message: 'required field is missing' };
    case 'type':
      return { path, message: `must be of type ${params.type}, got ${describe(error.data)}` };
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}, got ${describe(error.data)}` };
    case 'format':
      return { path, message: `must be a valid ${params.format}, got ${describe(error.data)}` };
    case 'oneOf':
    case 'not':
      return { path, message: mutuallyExclusiveFieldsMessage(error) ?? `${error.message}, got ${describe(error.data)}` };
    default:
      return { path, message: `${error.message}, got ${describe(error.data)}` };
  }
}

/**
 * Istio expresses "at most one of these fields" as
 * `oneOf: [{not: {anyOf: [{required: [a]}, {required: [b]}]}}, {required: [a]}, {required: [b]}]`.
 */
function mutuallyExclusiveFieldsMessage(error: ErrorObject): string | undefined {
  const branches = (error.keyword === 'oneOf' ? error.schema : undefined) as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(branches)) {
    return undefined;
  }
  const fields = branches.flatMap((branch) => Array.isArray(branch.required) ? branch.required as string[] : []);
  const allowsNone = branches.some((branch) => branch.not !== undefined);
  if (fields.length === 0) {
    return undefined;
  }
  const presentFields = fields.filter((field) => typeof error.data === 'object' && error.data !== null && field in error.data);
  const requirement = allowsNone ? 'at most one of these fields may be set' : 'exactly one of these fields must be set';
  return `${requirement}: ${fields.join(', ')}; got ${presentFields.length === 0 ? 'none' : presentFields.join(', ')}`;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}
