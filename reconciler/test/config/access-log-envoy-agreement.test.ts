/**
 * The access log format check agrees with real Envoy: every operator of the table, in every form
 * the check accepts (bare, with an argument, truncated), is accepted by Envoy in the listeners
 * generated from mesh settings that use it, in TEXT and JSON encoding; every form it refuses is
 * refused by Envoy too, for the reason the check gives.
 */
import { ACCESS_LOG_OPERATORS, accessLogTextFormatProblem, DEFAULT_JSON_ACCESS_LOG_FORMAT, DEFAULT_TEXT_ACCESS_LOG_FORMAT } from '../../src/model';
import type { MeshSettings } from '../../src/push/mesh-settings';
import { meshSettingsFromConfig } from '../../src/push/mesh-settings';
import { generateProxyResources } from '../../src/xds/generators';
import { BOOKINFO, loadPushContext, productpageProxy } from '../generators/fixture-loader';
import { staticBootstrap } from '../support/static-bootstrap';
import { validateWithEnvoy } from '../translate-security/envoy-process';

/** An argument each operator that takes one is given. */
function sampleArgument(name: string): string {
  const operator = ACCESS_LOG_OPERATORS[name];
  if (operator.options) return operator.options[operator.options.length - 1];
  if (/TIME|CERT_V_/.test(name)) return '%Y-%m-%dT%H:%M:%S';
  if (name.endsWith('_WITHOUT_PORT')) return '16';
  if (name === 'RESPONSE_CODE_DETAILS') return 'ALLOW_WHITESPACES';
  if (name.endsWith('METADATA')) return 'envoy.lb:canary';
  if (name.endsWith('FILTER_STATE')) return 'envoy.network.application_protocols:PLAIN';
  if (name === 'ENVIRONMENT') return 'HOME';
  if (name === 'QUERY_PARAM') return 'tier';
  return 'X-ENVOY-ORIGINAL-PATH?:PATH';
}

/** Every form of every operator the check accepts. */
function acceptedForms(): string[] {
  return Object.entries(ACCESS_LOG_OPERATORS).flatMap(([name, operator]) => [
    ...(operator.argument !== 'required' ? [`%${name}%`] : []),
    ...(operator.argument !== 'none' ? [`%${name}(${sampleArgument(name)})%`] : []),
    ...(operator.length ? [`%${name}${operator.argument === 'none' ? '' : `(${sampleArgument(name)})`}:12%`] : []),
  ]);
}

/** Envoy's verdict on the listeners of productpage's sidecar under these settings; undefined when accepted. */
function envoyRefusal(mesh: Partial<MeshSettings>): string | undefined {
  const resources = generateProxyResources(loadPushContext(BOOKINFO, '', { accessLogFile: '/dev/null', ...mesh }), productpageProxy());
  try {
    validateWithEnvoy(staticBootstrap(productpageProxy(), resources));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Formats the check refuses, with the words of Envoy's own refusal. */
const REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['%RESPONSE_STATUS%', 'Not supported field in StreamInfo: RESPONSE_STATUS'],
  ['%DURATION(ms)%', 'DURATION does not take any parameters or length'],
  ['%PROTOCOL:5%', 'PROTOCOL does not take any parameters or length'],
  ['%REQ()%', 'REQ requires parameters'],
  ['%GRPC_STATUS(CAMEL)%', 'GrpcStatusFormatter only supports CAMEL_STRING, SNAKE_STRING or NUMBER'],
  ['%PATH(WQ:NORMALIZED)%', "Invalid PATH option: 'NORMALIZED'"],
  ['%START_TIME(%s):10%', 'START_TIME does not allow length to be specified'],
  ['%UPSTREAM_METADATA(istio:canary):8%', 'UPSTREAM_METADATA does not allow length to be specified'],
  ['%REQ(x-a?x-b?x-c)%', 'More than 1 alternative header specified in token'],
  ['served 100% of %REQ(:PATH)%', "Couldn't find valid command at position 10"],
];

describe('access log format check against real Envoy', () => {
  test('GIVEN every form of every operator the check accepts, in one TEXT line WHEN Envoy loads the generated listeners THEN it accepts them', () => {
    const forms = acceptedForms();
    const format = `${forms.join(' ')} 100%% done`;

    expect(forms.length).toBeGreaterThan(Object.keys(ACCESS_LOG_OPERATORS).length);
    expect(accessLogTextFormatProblem(format)).toBeUndefined();
    const settings = meshSettingsFromConfig({ accessLogFile: '/dev/null', accessLogFormat: format }, 'test');
    expect(envoyRefusal(settings)).toBeUndefined();
  });

  test('GIVEN every accepted form as the value of its own key, one nested, under JSON encoding WHEN Envoy loads the listeners THEN it accepts them', () => {
    const fields = Object.fromEntries(acceptedForms().map((form, index) => [`field_${index}`, form]));
    const format = JSON.stringify({ ...fields, nested: { status: '%RESPONSE_CODE%' } });
    const settings = meshSettingsFromConfig({ accessLogFile: '/dev/null', accessLogEncoding: 'JSON', accessLogFormat: format }, 'test');

    expect(envoyRefusal(settings)).toBeUndefined();
  });

  test.each(['TEXT', 'JSON'] as const)('GIVEN the default %s format WHEN Envoy loads the listeners THEN it accepts them', (encoding) => {
    expect(accessLogTextFormatProblem(DEFAULT_TEXT_ACCESS_LOG_FORMAT)).toBeUndefined();
    expect(Object.values(DEFAULT_JSON_ACCESS_LOG_FORMAT).filter((value) => accessLogTextFormatProblem(value) !== undefined)).toEqual([]);
    expect(envoyRefusal({ accessLogEncoding: encoding })).toBeUndefined();
  });

  test.each(REFUSED)('GIVEN %s WHEN the mesh settings are read THEN they are refused, and Envoy refuses the listeners for the same reason', (format, envoyWords) => {
    expect(() => meshSettingsFromConfig({ accessLogFile: '/dev/stdout', accessLogFormat: format }, 'mesh.yaml'))
      .toThrow(`mesh.yaml: accessLogFormat ${JSON.stringify(format)} (encoding TEXT) would be refused by Envoy: `);

    expect(envoyRefusal({ accessLogFormat: format })).toContain(envoyWords);
  });
});
