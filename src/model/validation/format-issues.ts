import { isPlainObject } from './field-path';
import { ValidationIssue } from './validation-issue';

/**
 * One line per issue, each naming the object, e.g.
 * `VirtualService default/reviews: spec.http[0].timeout: must be a valid duration greater than 1ms (rule: ...)`.
 */
export function formatValidationIssues(obj: unknown, issues: readonly ValidationIssue[]): string {
  const subject = describeObject(obj);
  return issues
    .map((issue) => {
      const location = issue.path === '' ? '' : `${issue.path}: `;
      const rule = issue.rule === undefined ? '' : ` (rule: ${issue.rule})`;
      return `${subject}: ${location}${issue.message}${rule}`;
    })
    .join('\n');
}

export function describeObject(obj: unknown): string {
  const object = isPlainObject(obj) ? obj : {};
  const kind = typeof object.kind === 'string' ? object.kind : '<no kind>';
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '<no name>';
  return typeof metadata.namespace === 'string' ? `${kind} ${metadata.namespace}/${name}` : `${kind} ${name}`;
}
