import { IstioSchemaValidator, ValidationIssue } from '../../../src/model';
import { crdWithSpecSchema, widget } from '../../support/synthetic-crd';

// The Kubernetes schema extensions and keywords, one at a time, on synthetic CRDs.

function validateSpec(specSchema: object, spec: unknown): ValidationIssue[] {
  return new IstioSchemaValidator([crdWithSpecSchema(specSchema)]).validate(widget(spec));
}

const object = (properties: Record<string, object>, extra: object = {}) => ({ type: 'object', properties, ...extra });

interface SchemaCase {
  readonly name: string;
  readonly schema: object;
  readonly spec: unknown;
  /** Undefined when the value is valid. */
  readonly expected?: { readonly path: string; readonly message: string };
}

const CASES: SchemaCase[] = [
  { name: 'int-or-string given an int', schema: object({ port: { 'x-kubernetes-int-or-string': true } }), spec: { port: 8080 } },
  { name: 'int-or-string given a string', schema: object({ port: { 'x-kubernetes-int-or-string': true } }), spec: { port: 'http' } },
  {
    name: 'int-or-string given a bool',
    schema: object({ port: { 'x-kubernetes-int-or-string': true, 'anyOf': [{ type: 'integer' }, { type: 'string' }] } }),
    spec: { port: true },
    expected: { path: 'spec.port', message: 'must be an integer or a string; got the boolean true. Quote it in YAML: "true".' },
  },
  { name: 'nullable given null', schema: object({ priority: { type: 'integer', nullable: true } }), spec: { priority: null } },
  {
    name: 'non-nullable given null',
    schema: object({ priority: { type: 'integer' } }),
    spec: { priority: null },
    expected: { path: 'spec.priority', message: 'must be an integer; got null' },
  },
  {
    name: 'int32 above its range',
    schema: object({ weight: { type: 'integer', format: 'int32' } }),
    spec: { weight: 2 ** 31 },
    expected: { path: 'spec.weight', message: 'must be a 32-bit integer (from -2147483648 to 2147483647); got the number 2147483648. Use a whole number within that range.' },
  },
  { name: 'int32 at its maximum', schema: object({ weight: { type: 'integer', format: 'int32' } }), spec: { weight: 2 ** 31 - 1 } },
  {
    name: 'uint32 below zero',
    schema: object({ weight: { type: 'integer', format: 'uint32' } }),
    spec: { weight: -1 },
    expected: { path: 'spec.weight', message: 'must be an unsigned 32-bit integer (from 0 to 4294967295); got the number -1. Use a whole number within that range.' },
  },
  { name: 'double given a fraction', schema: object({ ratio: { type: 'number', format: 'double' } }), spec: { ratio: 0.25 } },
  {
    name: 'date-time given a date only',
    schema: object({ at: { type: 'string', format: 'date-time' } }),
    spec: { at: '2024-01-01' },
    expected: { path: 'spec.at', message: 'must be an RFC 3339 timestamp such as "2024-01-31T12:00:00Z"; got the string "2024-01-01". Write the date, "T", the time and a zone (Z or +01:00).' },
  },
  { name: 'a format the API server ignores', schema: object({ mail: { type: 'string', format: 'email' } }), spec: { mail: 'not an email' } },
  {
    name: 'an undeclared field',
    schema: object({ host: { type: 'string' } }),
    spec: { host: 'a', hots: 'b' },
    expected: { path: 'spec.hots', message: 'unknown field "hots"' },
  },
  {
    name: 'an undeclared field inside a map value',
    schema: object({ ports: { type: 'object', additionalProperties: object({ number: { type: 'integer' } }) } }),
    spec: { ports: { http: { number: 80, nmber: 81 } } },
    expected: { path: 'spec.ports.http.nmber', message: 'unknown field "nmber"' },
  },
  {
    name: 'an undeclared field under a map key that is not an identifier',
    schema: object({ labels: { type: 'object', additionalProperties: object({ value: { type: 'string' } }) } }),
    spec: { labels: { 'app.kubernetes.io/name': { value: 'a', extra: 1 } } },
    expected: { path: 'spec.labels["app.kubernetes.io/name"].extra', message: 'unknown field "extra"' },
  },
  {
    name: 'any field under preserve-unknown-fields',
    schema: object({ config: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } }),
    spec: { config: { anything: { nested: [1, 2] } } },
  },
  {
    name: 'a missing required field',
    schema: object({ name: { type: 'string' } }, { required: ['name'] }),
    spec: {},
    expected: { path: 'spec.name', message: 'required field is missing' },
  },
  {
    name: 'a value on an OpenAPI v3 exclusive maximum',
    schema: object({ percent: { type: 'number', maximum: 100, exclusiveMaximum: true } }),
    spec: { percent: 100 },
    expected: { path: 'spec.percent', message: 'must be < 100' },
  },
  {
    name: 'a pattern mismatch',
    schema: object({ code: { type: 'string', pattern: '^IST[0-9]{4}$' } }),
    spec: { code: 'IST12' },
    expected: { path: 'spec.code', message: 'must match the regular expression ^IST[0-9]{4}$; got the string "IST12". Change the value to match it.' },
  },
  {
    name: 'neither of two required-one-of fields',
    schema: object({ a: { type: 'string' }, b: { type: 'string' } }, { oneOf: [{ required: ['a'] }, { required: ['b'] }] }),
    spec: {},
    expected: { path: 'spec', message: 'exactly one of these fields must be set: a, b; got none' },
  },
  {
    name: 'a duplicate key in a map-type list',
    schema: object({
      ports: {
        'type': 'array',
        'items': object({ number: { type: 'integer' }, name: { type: 'string' } }),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['number'],
      },
    }),
    spec: { ports: [{ number: 80, name: 'a' }, { number: 443, name: 'b' }, { number: 80, name: 'c' }] },
    expected: { path: 'spec.ports[2]', message: 'duplicate entry: key (number) = [80] already appears at index 0' },
  },
  {
    name: 'a duplicate value in a set-type list',
    schema: object({ hosts: { 'type': 'array', 'items': { type: 'string' }, 'x-kubernetes-list-type': 'set' } }),
    spec: { hosts: ['a', 'b', 'a'] },
    expected: { path: 'spec.hosts[2]', message: 'duplicate entry: value "a" already appears at index 0' },
  },
];

describe('structural schema', () => {
  test.each(CASES)('GIVEN $name WHEN validated THEN the outcome matches the API server', ({ schema, spec, expected }) => {
    const issues = validateSpec(schema, spec);

    if (expected === undefined) {
      expect(issues).toEqual([]);
    } else {
      expect(issues).toHaveLength(1);
      expect(issues[0].path).toBe(expected.path);
      expect(issues[0].message).toContain(expected.message);
    }
  });
});

describe('object metadata', () => {
  const validator = new IstioSchemaValidator([crdWithSpecSchema({ type: 'object' })]);

  test.each([
    { name: 'a missing name', metadata: { namespace: 'default' }, path: 'metadata.name', message: 'required field is missing' },
    { name: 'an upper-case name', metadata: { name: 'Reviews' }, path: 'metadata.name', message: 'DNS-1123 subdomain' },
    { name: 'a 254-character name', metadata: { name: 'a'.repeat(254) }, path: 'metadata.name', message: 'DNS-1123 subdomain' },
    { name: 'a namespace with a dot', metadata: { name: 'a', namespace: 'team.a' }, path: 'metadata.namespace', message: 'DNS-1123 label' },
    { name: 'a numeric label value', metadata: { name: 'a', labels: { version: 2 } }, path: 'metadata.labels.version', message: 'must be a string' },
    { name: 'no metadata', metadata: undefined, path: 'metadata', message: 'required field is missing' },
  ])('GIVEN $name WHEN validated THEN $path is reported', ({ metadata, path, message }) => {
    const issues = validator.validate({ ...widget({}), metadata });

    expect(issues).toEqual([expect.objectContaining({ path, message: expect.stringContaining(message) })]);
  });

  test('GIVEN a dotted name and a label-safe namespace WHEN validated THEN there are no issues', () => {
    expect(validator.validate({ ...widget({}), metadata: { name: 'reviews.v1', namespace: 'team-a' } })).toEqual([]);
  });
});
