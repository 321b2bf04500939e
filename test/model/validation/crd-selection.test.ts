import { IstioSchemaValidator } from '../../../src/model';
import { validIstioObject } from '../../support/istio-object-fixtures';
import { loadIstioCrds } from '../../support/istio-validation';
import { TEST_GROUP, TEST_KIND, syntheticCrd, widget } from '../../support/synthetic-crd';

describe('selecting the CRD version for an object', () => {
  const validator = new IstioSchemaValidator(loadIstioCrds());

  test.each([
    {
      name: 'a kind its group does not define',
      change: { kind: 'VirtualServce' },
      path: 'kind',
      message: /no CustomResourceDefinition for kind "VirtualServce" in group "networking.istio.io" \(kinds in networking.istio.io: .*VirtualService/,
    },
    {
      name: 'a group no CRD defines',
      change: { apiVersion: 'networking.example.io/v1' },
      path: 'kind',
      message: /in group "networking.example.io" \(known groups: .*networking.istio.io.*security.istio.io/,
    },
    {
      name: 'a version the CRD does not have',
      change: { apiVersion: 'networking.istio.io/v2' },
      path: 'apiVersion',
      message: /has no version "v2".*served versions: v1, v1alpha3, v1beta1/,
    },
    {
      name: 'an apiVersion without a group',
      change: { apiVersion: 'v1' },
      path: 'apiVersion',
      message: /must be "<group>\/<version>"/,
    },
    {
      name: 'no kind',
      change: { kind: undefined },
      path: 'kind',
      message: /must be a non-empty string/,
    },
  ])('GIVEN $name WHEN validated THEN one issue at $path explains it', ({ change, path, message }) => {
    const issues = validator.validate({ ...validIstioObject('VirtualService'), ...change });

    expect(issues).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  test('GIVEN a version the CRD no longer serves WHEN validated THEN the served versions are suggested', () => {
    const crd = syntheticCrd([
      { name: 'v1alpha1', served: false, spec: { type: 'object' } },
      { name: 'v1', spec: { type: 'object' } },
    ]);

    const issues = new IstioSchemaValidator([crd]).validate(widget({}, 'v1alpha1'));

    expect(issues).toEqual([{
      path: 'apiVersion',
      message: `${TEST_GROUP}/v1alpha1 ${TEST_KIND} is not served by the CRD (use one of: ${TEST_GROUP}/v1)`,
    }]);
  });

  test('GIVEN two versions with different schemas WHEN each is validated THEN each uses its own schema', () => {
    const crd = syntheticCrd([
      { name: 'v1beta1', spec: { type: 'object', properties: { legacyName: { type: 'string' } } } },
      { name: 'v1', spec: { type: 'object', properties: { name: { type: 'string' } } } },
    ]);
    const validator2 = new IstioSchemaValidator([crd]);

    expect(validator2.validate(widget({ legacyName: 'a' }, 'v1beta1'))).toEqual([]);
    expect(validator2.validate(widget({ legacyName: 'a' }, 'v1'))).toEqual([expect.objectContaining({ path: 'spec.legacyName' })]);
  });

  test('GIVEN a value that is not an object WHEN validated THEN it is rejected as a whole', () => {
    expect(validator.validate('kind: VirtualService')).toEqual([{ path: '', message: expect.stringContaining('must be a Kubernetes object') }]);
  });

  test('GIVEN CRD documents mixed with other documents WHEN constructed THEN the others are ignored', () => {
    const validator2 = new IstioSchemaValidator([{ kind: 'Namespace', metadata: { name: 'istio-system' } }, syntheticCrd([{ name: 'v1', spec: { type: 'object' } }])]);

    expect(validator2.validate(widget({}))).toEqual([]);
  });

  test('GIVEN a CRD document without spec.versions WHEN constructed THEN the error names the document', () => {
    expect(() => new IstioSchemaValidator([{ kind: 'CustomResourceDefinition', spec: { group: TEST_GROUP } }]))
      .toThrow(/CRD document #0 has no spec.group, spec.names.kind or spec.versions/);
  });
});
