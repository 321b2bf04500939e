import Ajv from 'ajv';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { IstioSchemaValidator, formatValidationIssues } from '../../../src/model';
import { istioObjectWith, validIstioObject } from '../../support/istio-object-fixtures';
import { expectValidManifests, loadIstioCrds, validateIstioObjects } from '../../support/istio-validation';

const deployment = (container: object) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'reviews' },
  spec: { selector: { matchLabels: { app: 'reviews' } }, template: { spec: { containers: [container] } } },
});

describe('formatValidationIssues', () => {
  test('GIVEN a namespaced object and a rule issue WHEN formatted THEN the line names kind, namespace/name, path, message and rule', () => {
    const vs = validIstioObject('VirtualService');

    const text = formatValidationIssues(vs, [{ path: 'spec.http[0].timeout', message: 'must be a valid duration greater than 1ms', rule: 'duration(self) >= duration(\'1ms\')' }]);

    expect(text).toBe("VirtualService bookinfo/reviews: spec.http[0].timeout: must be a valid duration greater than 1ms (rule: duration(self) >= duration('1ms'))");
  });

  test('GIVEN a cluster-scoped object with two issues WHEN formatted THEN there is one line per issue, without a namespace', () => {
    const obj = { kind: 'Namespace', metadata: { name: 'mesh' } };

    const lines = formatValidationIssues(obj, [{ path: '', message: 'first' }, { path: 'metadata.labels', message: 'second' }]).split('\n');

    expect(lines).toEqual(['Namespace mesh: first', 'Namespace mesh: metadata.labels: second']);
  });
});

describe('validateIstioObjects', () => {
  test('GIVEN one valid and one invalid object WHEN validated THEN only the invalid one is listed', () => {
    const invalid = istioObjectWith('ServiceEntry', (se) => { se.spec.ports[0].number = 0; });

    const lines = validateIstioObjects([validIstioObject('Gateway'), invalid]);

    expect(lines).toEqual([expect.stringMatching(/^ServiceEntry bookinfo\/payments-api: spec.ports\[0\].number: port must be between 1-65535; got the number 0 \(rule: /)]);
  });
});

describe('expectValidManifests', () => {
  test('GIVEN a synthesized chart of valid objects WHEN checked THEN it does not throw', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mesh');
    new ApiObject(chart, 'reviews-vs', validIstioObject('VirtualService'));
    new ApiObject(chart, 'reviews-deploy', deployment({ name: 'reviews', image: 'reviews:v1' }));
    new ApiObject(chart, 'reviews-svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews' }, spec: { ports: [{ port: 9080 }] } });

    expect(() => expectValidManifests(Testing.synth(chart))).not.toThrow();
  });

  test('GIVEN invalid Istio and core objects WHEN checked THEN one error lists every issue', () => {
    const manifests = [
      istioObjectWith('VirtualService', (vs) => { vs.spec.http[0].timeout = '0s'; }),
      deployment({ name: 'reviews' }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews' }, spec: { ports: [{ name: 'http' }] } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
    ];

    let message = '';
    try {
      expectValidManifests(manifests);
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message.split('\n')).toEqual([
      '4 invalid field(s) in the synthesized manifests:',
      expect.stringMatching(/^VirtualService bookinfo\/reviews: spec.http\[0\].timeout: must be a valid duration greater than 1ms/),
      'Deployment reviews: spec.template.spec.containers[0].image: required field is missing',
      'Service reviews: spec.ports[0].port: required field is missing',
      'ConfigMap <no name>: metadata.name: required field is missing',
    ]);
  });

  test.each([
    { name: 'a headless Service', manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { clusterIP: 'None' } } },
    { name: 'an ExternalName Service', manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } } },
    { name: 'a kind from a non-Istio group', manifest: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { anything: true } } },
  ])('GIVEN $name WHEN checked THEN it needs no ports or CRD', ({ manifest }) => {
    expect(() => expectValidManifests([manifest])).not.toThrow();
  });

  test('GIVEN a Service without ports WHEN checked THEN it is reported', () => {
    expect(() => expectValidManifests([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews' }, spec: {} }]))
      .toThrow('Service reviews: spec.ports: must list at least one port');
  });
});

describe('schema compilation', () => {
  test('GIVEN many objects of one kind and version WHEN validated THEN the schema is compiled once', () => {
    const compile = jest.spyOn(Ajv.prototype, 'compile');
    try {
      const validator = new IstioSchemaValidator(loadIstioCrds());
      for (let index = 0; index < 20; index++) {
        validator.validate(istioObjectWith('DestinationRule', (dr) => { dr.metadata.name = `reviews-${index}`; }));
      }
      validator.validate(validIstioObject('Gateway'));

      expect(compile).toHaveBeenCalledTimes(2);
    } finally {
      compile.mockRestore();
    }
  });
});
