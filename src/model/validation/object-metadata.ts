import { appendProperty, isPlainObject } from './field-path';
import { ValidationIssue } from './validation-issue';

// The metadata checks the API server applies to every namespaced object before the CRD
// schema is consulted: the name is a DNS-1123 subdomain, the namespace a DNS-1123 label,
// and labels and annotations map strings to strings.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL_MAX = 63;
const DNS1123_SUBDOMAIN_MAX = 253;

export function validateObjectMetadata(metadata: unknown): ValidationIssue[] {
  if (!isPlainObject(metadata)) {
    return [{ path: 'metadata', message: 'required field is missing (an object with at least metadata.name)' }];
  }
  const issues: ValidationIssue[] = [];
  const { name, namespace } = metadata;
  if (name === undefined || name === '') {
    issues.push({ path: 'metadata.name', message: 'required field is missing' });
  } else if (typeof name !== 'string' || name.length > DNS1123_SUBDOMAIN_MAX || !DNS1123_SUBDOMAIN.test(name)) {
    issues.push({
      path: 'metadata.name',
      message: `must be a DNS-1123 subdomain (lower-case alphanumerics, '-' or '.', starting and ending alphanumeric, at most ${DNS1123_SUBDOMAIN_MAX} characters), got ${JSON.stringify(name)}`,
    });
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace.length > DNS1123_LABEL_MAX || !DNS1123_LABEL.test(namespace))) {
    issues.push({
      path: 'metadata.namespace',
      message: `must be a DNS-1123 label (lower-case alphanumerics or '-', starting and ending alphanumeric, at most ${DNS1123_LABEL_MAX} characters), got ${JSON.stringify(namespace)}`,
    });
  }
  for (const field of ['labels', 'annotations'] as const) {
    issues.push(...stringMapIssues(metadata[field], `metadata.${field}`));
  }
  return issues;
}

function stringMapIssues(value: unknown, path: string): ValidationIssue[] {
  if (value === undefined) {
    return [];
  }
  if (!isPlainObject(value)) {
    return [{ path, message: 'must be a map of strings to strings' }];
  }
  return Object.entries(value)
    .filter(([, entry]) => typeof entry !== 'string')
    .map(([key, entry]) => ({ path: appendProperty(path, key), message: `must be a string, got ${JSON.stringify(entry)} (quote it in YAML)` }));
}
