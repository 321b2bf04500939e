import type { ErrorObject } from 'ajv';
import { closestName } from './closest-name';
import { appendProperty, isPlainObject, jsonPointerToFieldPath } from './field-path';
import { describeExpectedType, describeValue, typeFix } from './schema-type-messages';
import { ValidationIssue } from './validation-issue';

// Turns ajv's errors into issues that read like the API server's, one per problem at the
// offending field, each with what is expected, the value found and a fix where one exists.
// Errors from inside oneOf/anyOf/not branches are folded into the combinator's own error,
// because "branch 2 requires field x" explains nothing on its own.

const COMBINATORS = new Set(['oneOf', 'anyOf', 'not']);
const LISTED_CHOICES_MAX = 12;

export function schemaErrorsToIssues(errors: readonly ErrorObject[], root: unknown): ValidationIssue[] {
  const combinatorPaths = errors.filter((error) => COMBINATORS.has(error.keyword)).map((error) => `${error.schemaPath}/`);
  return errors
    .filter((error) => !combinatorPaths.some((prefix) => error.schemaPath.startsWith(prefix)))
    .map((error) => toIssue(error, root));
}

function toIssue(error: ErrorObject, root: unknown): ValidationIssue {
  const path = jsonPointerToFieldPath(error.instancePath, root);
  const params = error.params as Record<string, any>;
  const parentSchema = (error.parentSchema ?? {}) as Record<string, any>;
  const got = `got ${describeValue(error.data)}`;
  const issue = (message: string, fix?: string): ValidationIssue => ({ path, message: fix ? `${message}. ${fix}` : message });
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys(parentSchema.properties ?? {});
      const suggestion = closestName(field, known);
      return {
        path: appendProperty(path, field),
        message: `unknown field "${field}": ${path === '' ? 'the object' : path} has no such field, so the API server would silently drop it. `
          + (suggestion ? `Did you mean "${suggestion}"?` : `Remove it; known fields are ${listChoices(known.map((name) => `"${name}"`))}.`),
      };
    }
    case 'required': {
      const field = String(params.missingProperty);
      return { path: appendProperty(path, field), message: `required field is missing. Add "${field}" to ${path === '' ? 'the object' : path}.` };
    }
    case 'type':
      return issue(`must be ${describeExpectedType(params.type)}; ${got}`, typeFix(params.type, error.data));
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]);
      const suggestion = typeof error.data === 'string'
        ? closestName(error.data, allowed.filter((value): value is string => typeof value === 'string')) : undefined;
      return issue(`must be one of ${listChoices(allowed.map((value) => JSON.stringify(value)))}; ${got}`,
        suggestion !== undefined ? `Did you mean "${suggestion}"?` : 'Use one of the listed values.');
    }
    case 'minLength':
      return params.limit === 1
        ? issue(`must not be empty; ${got}`, 'Set a value, or remove the field.')
        : issue(`must be at least ${params.limit} characters long; ${got}`, `Lengthen it to ${params.limit} characters or more.`);
    case 'maxLength':
      return issue(`must be at most ${params.limit} characters long; ${got}`, `Shorten it to ${params.limit} characters or fewer.`);
    case 'pattern':
      return issue(`must match the regular expression ${params.pattern}; ${got}`, 'Change the value to match it.');
    case 'format':
      return issue(`must be ${describeFormat(String(params.format))}; ${got}`, formatFix(String(params.format)));
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return issue(`must be ${params.comparison} ${params.limit}; ${got}`, rangeFix(parentSchema));
    case 'multipleOf':
      return issue(`must be a multiple of ${params.multipleOf}; ${got}`);
    case 'minItems':
      return issue(`must list at least ${countOf(params.limit, 'entry', 'entries')}; ${got}`, 'Add entries, or remove the field if it is optional.');
    case 'maxItems':
      return issue(`must list at most ${countOf(params.limit, 'entry', 'entries')}; ${got}`, 'Remove entries, or split the object into several.');
    case 'minProperties':
      return issue(`must have at least ${countOf(params.limit, 'entry', 'entries')}; ${got}`, 'Add entries, or remove the field if it is optional.');
    case 'maxProperties':
      return issue(`must have at most ${countOf(params.limit, 'entry', 'entries')}; ${got}`, 'Remove entries.');
    case 'uniqueItems':
      return issue(`must not repeat entries; entries ${params.j} and ${params.i} are equal`, `Remove entry ${params.i}.`);
    case 'oneOf':
      return mutuallyExclusiveFields(error, path) ?? issue(`must match exactly one of the forms the schema allows; ${got}`);
    case 'anyOf':
      return issue(`must match at least one of the forms the schema allows; ${got}`);
    case 'not':
      return mutuallyExclusiveFields(error, path) ?? issue(`is a form the schema forbids; ${got}`);
    default:
      return issue(`${error.message ?? `fails the schema's "${error.keyword}" check`}; ${got}`);
  }
}

/**
 * Istio expresses "at most one of these fields" as
 * `oneOf: [{not: {anyOf: [{required: [a]}, {required: [b]}]}}, {required: [a]}, {required: [b]}]`.
 */
function mutuallyExclusiveFields(error: ErrorObject, path: string): ValidationIssue | undefined {
  const branches = (error.keyword === 'oneOf' ? error.schema : undefined) as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(branches)) {
    return undefined;
  }
  const fields = branches.flatMap((branch) => Array.isArray(branch.required) ? branch.required as string[] : []);
  if (fields.length === 0) {
    return undefined;
  }
  const allowsNone = branches.some((branch) => branch.not !== undefined);
  const present = fields.filter((field) => isPlainObject(error.data) && field in error.data);
  const requirement = allowsNone ? 'at most one of these fields may be set' : 'exactly one of these fields must be set';
  const fix = present.length > 1 ? `Keep one of ${present.join(', ')} and remove the others.` : `Set one of ${fields.join(', ')}.`;
  return { path, message: `${requirement}: ${fields.join(', ')}; got ${present.length === 0 ? 'none' : present.join(', ')}. ${fix}` };
}

function describeFormat(format: string): string {
  switch (format) {
    case 'int32': return 'a 32-bit integer (from -2147483648 to 2147483647)';
    case 'uint32': return 'an unsigned 32-bit integer (from 0 to 4294967295)';
    case 'int64': return 'a 64-bit integer that JSON can carry exactly (at most 9007199254740991 in magnitude)';
    case 'uint64': return 'an unsigned 64-bit integer that JSON can carry exactly (from 0 to 9007199254740991)';
    case 'double':
    case 'float': return 'a finite number';
    case 'date-time': return 'an RFC 3339 timestamp such as "2024-01-31T12:00:00Z"';
    case 'byte': return 'base64-encoded data';
    default: return `a valid ${format}`;
  }
}

function formatFix(format: string): string | undefined {
  switch (format) {
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'uint64': return 'Use a whole number within that range.';
    case 'date-time': return 'Write the date, "T", the time and a zone (Z or +01:00).';
    case 'byte': return 'Encode the data with base64 (e.g. `base64 -w0 file`), or use the field\'s string form if it has one.';
    default: return undefined;
  }
}

function rangeFix(schema: Record<string, any>): string {
  const low = schema.exclusiveMinimum !== undefined ? `more than ${schema.exclusiveMinimum}` : schema.minimum !== undefined ? `${schema.minimum}` : undefined;
  const high = schema.exclusiveMaximum !== undefined ? `less than ${schema.exclusiveMaximum}` : schema.maximum !== undefined ? `${schema.maximum}` : undefined;
  if (low !== undefined && high !== undefined) {
    return `Use a value from ${low} to ${high}.`;
  }
  return low !== undefined ? `Use ${low} or more.` : `Use ${high} or less.`;
}

function listChoices(choices: readonly string[]): string {
  const listed = choices.slice(0, LISTED_CHOICES_MAX).join(', ');
  return choices.length > LISTED_CHOICES_MAX ? `${listed}, … (${choices.length} in all)` : listed;
}

function countOf(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
