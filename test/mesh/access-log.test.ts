import { Testing } from 'cdk8s';
import { parse as parseYaml } from 'yaml';
import { manifest, meshChart } from './fixtures';
import { meshSettingsFromConfig } from '../../reconciler/src/push/mesh-settings';
import { AccessLogEncoding, MeshProps } from '../../src';

/** The mesh settings the reconciler reads from what the Mesh construct synthesized. */
function settingsOf(props: MeshProps) {
  const configMap = manifest(Testing.synth(meshChart(props).chart), 'ConfigMap', 'mesh-config');
  return meshSettingsFromConfig(parseYaml(configMap.data['mesh.yaml']), 'mesh-config');
}

describe('Mesh access logs', () => {
  test('GIVEN no accessLog WHEN synthesized THEN the mesh config asks for no access log', () => {
    const configMap = manifest(Testing.synth(meshChart().chart), 'ConfigMap', 'mesh-config');

    expect(configMap.data['mesh.yaml']).not.toContain('accessLog');
    expect(settingsOf({}).accessLogFile).toBe('');
  });

  test('GIVEN accessLog {} WHEN synthesized THEN every proxy logs TEXT lines of the default format to its container log', () => {
    expect(settingsOf({ accessLog: {} })).toMatchObject({ accessLogFile: '/dev/stdout', accessLogEncoding: 'TEXT', accessLogFormat: '' });
  });

  test('GIVEN a JSON format WHEN synthesized THEN the reconciler reads the same keys and operators', () => {
    const settings = settingsOf({
      accessLog: { file: '/var/log/proxy.json', encoding: AccessLogEncoding.JSON, jsonFormat: { status: '%RESPONSE_CODE%', flags: '%RESPONSE_FLAGS%' } },
    });

    expect(settings).toMatchObject({ accessLogFile: '/var/log/proxy.json', accessLogEncoding: 'JSON' });
    expect(JSON.parse(settings.accessLogFormat)).toEqual({ status: '%RESPONSE_CODE%', flags: '%RESPONSE_FLAGS%' });
  });

  test('GIVEN a TEXT format WHEN synthesized THEN it is written as given', () => {
    expect(settingsOf({ accessLog: { textFormat: '%RESPONSE_CODE% %REQ(X-REQUEST-ID):36%' } }).accessLogFormat).toBe('%RESPONSE_CODE% %REQ(X-REQUEST-ID):36%');
  });

  test.each<[string, MeshProps['accessLog'], string]>([
    ['an unknown operator', { textFormat: '%RESPONSE_STATUS%' }, "'accessLog.textFormat' \"%RESPONSE_STATUS%\" would be refused by Envoy: %RESPONSE_STATUS% at position 0: RESPONSE_STATUS is not an access log operator"],
    ['a stray percent sign', { textFormat: 'done 100% %RESPONSE_CODE%' }, "the '%' at position 8 starts no command operator"],
    ['an argument where none is taken', { textFormat: '%DURATION(ms)%' }, 'DURATION takes no argument; write %DURATION%'],
    ['a missing header name', { textFormat: '%REQ()%' }, 'REQ needs an argument'],
    ['a bad JSON value', { encoding: AccessLogEncoding.JSON, jsonFormat: { status: '%CODE%' } }, "key 'status': %CODE% at position 0: CODE is not an access log operator"],
    ['a relative file', { file: 'proxy.log' }, "'accessLog.file' is 'proxy.log'; it must be an absolute path such as /dev/stdout"],
    ['a JSON format with TEXT encoding', { jsonFormat: { a: '%PROTOCOL%' } }, "'accessLog.jsonFormat' is set with TEXT encoding"],
    ['a TEXT format with JSON encoding', { encoding: AccessLogEncoding.JSON, textFormat: '%PROTOCOL%' }, "'accessLog.textFormat' is set with JSON encoding"],
  ])('GIVEN %s WHEN the Mesh is declared THEN the error names the construct, the value and the fix', (_, accessLog, message) => {
    expect(() => meshChart({ accessLog })).toThrow('[test/mesh]');
    expect(() => meshChart({ accessLog })).toThrow(message);
  });
});
