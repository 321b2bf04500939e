import { KubernetesSchema, regexFieldsOf } from '../../../src/model';
import { loadIstioCrds } from '../../support/istio-validation';

// The regex fields the checks know must be every field the CRDs of the served kinds document as
// an RE2 regex: a field added by a new Istio release fails here until the checks cover it.

/** Kinds whose regexes no served resource carries (EnvoyFilter is not served). */
const NOT_SERVED = new Set(['EnvoyFilter', 'WasmPlugin', 'TrafficExtension', 'ProxyConfig', 'Telemetry']);

interface DocumentedRegex { readonly kind: string; readonly path: string[] }

function documentedRegexFields(): DocumentedRegex[] {
  const found: DocumentedRegex[] = [];
  for (const crd of loadIstioCrds() as any[]) {
    const kind = crd.spec.names.kind;
    if (NOT_SERVED.has(kind)) {
      continue;
    }
    const version = crd.spec.versions.find((candidate: any) => candidate.storage) ?? crd.spec.versions[0];
    const walk = (schema: KubernetesSchema, path: string[]) => {
      for (const [field, child] of Object.entries(schema.properties ?? {})) {
        const description = String(child.description ?? '');
        if (child.type === 'string' && (field === 'regex' || field === 'match' && path[path.length - 1] === 'uriRegexRewrite' || /RE2/.test(description))) {
          found.push({ kind, path: [...path, field] });
        }
        walk(child, [...path, field]);
      }
      if (typeof schema.additionalProperties === 'object') {
        walk(schema.additionalProperties, [...path, '*']);
      }
      if (schema.items) {
        walk(schema.items, [...path, '[]']);
      }
    };
    walk(version.schema.openAPIV3Schema, []);
  }
  return found;
}

/** An object of `kind` holding "REGEX" at `path` (`[]` a one-entry list, `*` a map key). */
function objectWithValueAt(kind: string, path: string[]): unknown {
  const build = (rest: string[]): unknown => {
    if (rest.length === 0) {
      return 'REGEX';
    }
    const [head, ...tail] = rest;
    if (tail[0] === '[]') {
      return { [head]: [build(tail.slice(1))] };
    }
    if (tail[0] === '*') {
      return { [head]: { key: build(tail.slice(1)) } };
    }
    return { [head]: build(tail) };
  };
  return { apiVersion: 'networking.istio.io/v1', kind, metadata: { name: 'x' }, ...(build(path) as object) };
}

describe('regex fields', () => {
  const documented = documentedRegexFields();

  test('GIVEN the Istio CRDs WHEN scanned THEN the regex fields found are the VirtualService ones', () => {
    expect(new Set(documented.map(({ kind }) => kind))).toEqual(new Set(['VirtualService']));
    expect(documented.length).toBeGreaterThanOrEqual(9);
  });

  test.each(documentedRegexFields().map(({ kind, path }) => ({ kind, field: path.join('.') })))(
    'GIVEN a $kind with a value at $field WHEN its regex fields are listed THEN the value is among them',
    ({ kind, field }) => {
      const fields = regexFieldsOf(objectWithValueAt(kind, field.split('.')));

      expect(fields.map(({ value }) => value)).toEqual(['REGEX']);
    },
  );
});
