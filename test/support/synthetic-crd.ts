// Minimal CustomResourceDefinition documents for exercising the validator on one schema
// feature at a time, independent of what Istio's CRDs happen to contain.

export const TEST_GROUP = 'example.istio.io';
export const TEST_KIND = 'Widget';

export interface SyntheticVersion {
  readonly name: string;
  readonly served?: boolean;
  readonly spec: object;
}

export function syntheticCrd(versions: readonly SyntheticVersion[], kind = TEST_KIND): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.toLowerCase()}s.${TEST_GROUP}` },
    spec: {
      group: TEST_GROUP,
      names: { kind, plural: `${kind.toLowerCase()}s` },
      scope: 'Namespaced',
      versions: versions.map((version) => ({
        name: version.name,
        served: version.served ?? true,
        storage: false,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: version.spec } } },
      })),
    },
  };
}

/** A CRD with a single served version v1 whose `spec` has the given schema. */
export function crdWithSpecSchema(spec: object): object {
  return syntheticCrd([{ name: 'v1', spec }]);
}

export function widget(spec: unknown, version = 'v1'): any {
  return { apiVersion: `${TEST_GROUP}/${version}`, kind: TEST_KIND, metadata: { name: 'w', namespace: 'default' }, spec };
}
