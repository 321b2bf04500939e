import { parse as parseYaml } from 'yaml';
import { meshConfigIn, synthesizeMesh } from './synth';
import { meshSettingsFromConfig } from '../../../reconciler/src/push/mesh-settings';
import { MtlsMode, OutboundTrafficPolicy } from '../../../src';

describe('scenario mesh config', () => {
  test.each([
    [{}, { outboundTrafficPolicy: 'ALLOW_ANY', defaultMtlsMode: 'PERMISSIVE', rootNamespace: 'mesh-system' }],
    [{ outboundTrafficPolicy: OutboundTrafficPolicy.REGISTRY_ONLY }, { outboundTrafficPolicy: 'REGISTRY_ONLY' }],
    [{ defaultMtlsMode: MtlsMode.STRICT, namespace: 'control' }, { defaultMtlsMode: 'STRICT', rootNamespace: 'control' }],
  ])('GIVEN Mesh props %j WHEN synthesized THEN the reconciler settings read from the mesh config carry them', (meshProps, expected) => {
    const { meshConfig } = synthesizeMesh(() => undefined, meshProps);

    expect(meshSettingsFromConfig(parseYaml(meshConfig), 'mesh-config')).toMatchObject(expected);
  });

  test('GIVEN YAML without the mesh-config ConfigMap WHEN its mesh config is read THEN the error names the ConfigMap and key', () => {
    expect(() => meshConfigIn('apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n'))
      .toThrow('no ConfigMap mesh-config with data key mesh.yaml');
  });
});
