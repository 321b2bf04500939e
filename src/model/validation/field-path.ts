// Field paths in the style Kubernetes uses in validation errors: `spec.http[0].route`,
// with map keys that are not plain identifiers quoted: `metadata.labels["app.kubernetes.io/name"]`.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function appendProperty(path: string, name: string): string {
  if (!IDENTIFIER.test(name)) {
    return `${path}[${JSON.stringify(name)}]`;
  }
  return path === '' ? name : `${path}.${name}`;
}

export function appendIndex(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * Converts a JSON pointer (as reported by ajv) into a field path, consulting the validated
 * data so that array indexes and map keys that look like numbers are told apart.
 */
export function jsonPointerToFieldPath(pointer: string, root: unknown): string {
  if (pointer === '') {
    return '';
  }
  let path = '';
  let current: unknown = root;
  for (const rawSegment of pointer.slice(1).split('/')) {
    const segment = rawSegment.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = Number(segment);
      path = appendIndex(path, index);
      current = current[index];
    } else {
      path = appendProperty(path, segment);
      current = isPlainObject(current) ? current[segment] : undefined;
    }
  }
  return path;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
