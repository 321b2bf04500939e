import { CelValidationRule, IstioSchemaValidator, ValidationIssue, findUncompilableCelRules } from '../../../src/model';
import { crdWithSpecSchema, widget } from '../../support/synthetic-crd';

// CEL rules from `x-kubernetes-validations`, on synthetic CRDs.

function ruleSchema(valueSchema: object, rules: CelValidationRule[]): object {
  return { type: 'object', properties: { value: { ...valueSchema, 'x-kubernetes-validations': rules } } };
}

function validateValue(valueSchema: object, rule: string, value: unknown): ValidationIssue[] {
  const crd = crdWithSpecSchema(ruleSchema(valueSchema, [{ rule, message: 'rule failed' }]));
  return new IstioSchemaValidator([crd]).validate(widget({ value }));
}

const STRING = { type: 'string' };
const OBJECT = { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true };

describe('the Kubernetes CEL libraries', () => {
  test.each([
    { rule: 'url(self).getScheme() in ["http", "https"]', value: 'https://auth.example.com/jwks', passes: true },
    { rule: 'url(self).getScheme() in ["http", "https"]', value: 'FTP://auth.example.com/jwks', passes: false },
    { rule: 'url(self).getScheme() == ""', value: '/relative/to/host', passes: true },
    { rule: 'url(self).getHost() == "example.com:8443"', value: 'https://example.com:8443/x', passes: true },
    { rule: 'url(self).getHostname() == "::1"', value: 'http://[::1]:80/', passes: true },
    { rule: 'url(self).getPort() == "8443"', value: 'https://example.com:8443/x', passes: true },
    { rule: 'url(self).getEscapedPath() == "/a%20b"', value: 'https://example.com/a%20b', passes: true },
    { rule: 'url(self).getQuery()["k"] == ["1", "2"]', value: 'https://example.com/?k=1&k=2', passes: true },
    { rule: 'isURL(self)', value: 'oci://registry.example.com/filter:1.0', passes: true },
    { rule: 'isURL(self)', value: 'registry.example.com/filter', passes: false },
    { rule: '!isURL(self) && isURL("http://" + self)', value: 'registry.example.com/filter', passes: true },
    { rule: 'self.substring(7, 8) == "/"', value: 'unix:///var/run/socket', passes: true },
    { rule: 'self.startsWith("unix://") && !self.endsWith("/")', value: 'unix:///var/run/', passes: false },
    { rule: 'duration(self) >= duration("1ms")', value: '1h30m', passes: true },
    { rule: 'duration(self) >= duration("1ms")', value: '500us', passes: false },
    { rule: 'duration(self) > duration("90m")', value: '2h', passes: true },
    { rule: 'self.matches("^[a-z]+$")', value: 'abc', passes: true },
    { rule: 'self.matches("^[a-z]+$")', value: 'ab-c', passes: false },
    { rule: 'size(self) < 5', value: 'abcdef', passes: false },
    { rule: 'self in ["", "HTTP", "HTTPS"]', value: 'GRPC', passes: false },
  ])('GIVEN string rule $rule WHEN the value is $value THEN it passes: $passes', ({ rule, value, passes }) => {
    expect(validateValue(STRING, rule, value).length === 0).toBe(passes);
  });

  test.each([
    { rule: 'self.all(key, 0 < int(key) && int(key) <= 65535)', value: { 8080: 'a' }, passes: true },
    { rule: 'self.all(key, 0 < int(key) && int(key) <= 65535)', value: { 70000: 'a' }, passes: false },
    { rule: 'self.all(key, key.size() != 0)', value: { '': 'a' }, passes: false },
    { rule: 'self.items.exists(i, i.name == "b")', value: { items: [{ name: 'a' }, { name: 'b' }] }, passes: true },
    { rule: 'self.items.exists_one(i, i.n == 1)', value: { items: [{ n: 1 }, { n: 1 }] }, passes: false },
    { rule: '(has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) <= 1', value: { a: 1, b: 2 }, passes: false },
    { rule: '(has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) <= 1', value: { b: 2 }, passes: true },
  ])('GIVEN object rule $rule WHEN validated THEN it passes: $passes', ({ rule, value, passes }) => {
    expect(validateValue(OBJECT, rule, value).length === 0).toBe(passes);
  });
});

describe('where rules run', () => {
  const portRule = { rule: '0 < self && self <= 65535', message: 'port must be between 1-65535' };

  test('GIVEN a rule on list items WHEN two items break it THEN each is reported at its index', () => {
    const crd = crdWithSpecSchema({
      type: 'object',
      properties: { ports: { type: 'array', items: { 'type': 'integer', 'x-kubernetes-validations': [portRule] } } },
    });

    const issues = new IstioSchemaValidator([crd]).validate(widget({ ports: [0, 80, 70000] }));

    expect(issues).toEqual([
      { path: 'spec.ports[0]', message: 'port must be between 1-65535; got the number 0', rule: portRule.rule },
      { path: 'spec.ports[2]', message: 'port must be between 1-65535; got the number 70000', rule: portRule.rule },
    ]);
  });

  test('GIVEN a rule on map values WHEN one entry breaks it THEN that entry is reported', () => {
    const crd = crdWithSpecSchema({
      type: 'object',
      properties: { ports: { type: 'object', additionalProperties: { 'type': 'integer', 'x-kubernetes-validations': [portRule] } } },
    });

    const issues = new IstioSchemaValidator([crd]).validate(widget({ ports: { http: 80, grpc: 0 } }));

    expect(issues).toEqual([{ path: 'spec.ports.grpc', message: 'port must be between 1-65535; got the number 0', rule: portRule.rule }]);
  });

  test('GIVEN a value of the wrong type WHEN validated THEN only the type error is reported, not a rule error', () => {
    const crd = crdWithSpecSchema(ruleSchema({ type: 'integer' }, [portRule]));

    const issues = new IstioSchemaValidator([crd]).validate(widget({ value: 'eighty' }));

    expect(issues).toEqual([expect.objectContaining({ path: 'spec.value', message: expect.stringContaining('must be an integer') })]);
  });

  test.each([
    { name: 'integer', schema: { type: 'integer' }, rule: 'self + 1 == 3', value: 2 },
    { name: 'number', schema: { type: 'number' }, rule: 'self * 2.0 == 4.0', value: 2 },
    { name: 'int-or-string', schema: { 'x-kubernetes-int-or-string': true }, rule: 'type(self) == int ? self + 1 == 3 : false', value: 2 },
  ])('GIVEN a whole number in a field of type $name WHEN a rule does arithmetic THEN it is typed as the schema says', ({ schema, rule, value }) => {
    expect(validateValue(schema, rule, value)).toEqual([]);
  });

  test('GIVEN a messageExpression WHEN the rule fails THEN its result is the message', () => {
    const crd = crdWithSpecSchema(ruleSchema(STRING, [{ rule: 'self != "*"', messageExpression: '"host " + self + " is a wildcard"' }]));

    const issues = new IstioSchemaValidator([crd]).validate(widget({ value: '*' }));

    expect(issues).toEqual([expect.objectContaining({ message: 'host * is a wildcard; got the string "*"' })]);
  });

  test('GIVEN a rule with no message WHEN it fails THEN the message quotes the rule', () => {
    const crd = crdWithSpecSchema(ruleSchema(STRING, [{ rule: 'self != "*"' }]));

    expect(new IstioSchemaValidator([crd]).validate(widget({ value: '*' })))
      .toEqual([expect.objectContaining({ message: 'failed rule: self != "*"; got the string "*"' })]);
  });

  test('GIVEN a transition rule on oldSelf WHEN an object is created THEN it is not evaluated', () => {
    const crd = crdWithSpecSchema(ruleSchema(STRING, [{ rule: 'self == oldSelf', message: 'immutable' }]));

    expect(new IstioSchemaValidator([crd]).validate(widget({ value: 'anything' }))).toEqual([]);
  });
});

describe('rules the environment cannot compile', () => {
  test.each([
    { rule: 'quantity(self).isGreaterThan(quantity("1"))', reason: 'undeclared function(s) isGreaterThan, quantity' },
    { rule: 'self == other', reason: 'undeclared reference(s) other' },
    { rule: 'self ==', reason: 'does not compile' },
  ])('GIVEN the rule $rule WHEN the CRD is checked THEN it is listed with the reason', ({ rule, reason }) => {
    const crd = crdWithSpecSchema(ruleSchema(STRING, [{ rule, message: 'm' }]));

    const failures = findUncompilableCelRules([crd]);

    expect(failures).toEqual([expect.objectContaining({ location: 'Widget v1 spec.value', rule, reason: expect.stringContaining(reason) })]);
  });

  test('GIVEN an uncompilable rule WHEN an object is validated THEN the unchecked rule is reported at its field', () => {
    const crd = crdWithSpecSchema(ruleSchema(STRING, [{ rule: 'quantity(self) != null', message: 'm' }]));

    const issues = new IstioSchemaValidator([crd]).validate(widget({ value: '1Gi' }));

    expect(issues).toEqual([expect.objectContaining({ path: 'spec.value', message: expect.stringContaining("the CRD's rule cannot be checked") })]);
  });
});
