/**
 * Access logs from the mesh settings: every connection manager and TCP proxy of a sidecar's and a
 * router's listeners writes to the configured file, in the configured encoding, and nothing logs
 * when no file is set. Logged listeners survive the wire encoding and are the same objects from
 * push to push, so they are encoded once.
 */
import { TYPE_URLS } from '../../src/push/contract';
import type { MeshSettings } from '../../src/push/mesh-settings';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { decodeResourceBytes, encodeResourceBytes } from '../../src/xds/codec';
import { generateProxyResources } from '../../src/xds/generators';
import { accessLogsFor, withAccessLogs } from '../../src/xds/translate/access-log';
import { resourcesOf } from '../support/simulate';
import { BOOKINFO, EDGE_GATEWAY_YAML, edgeRouter, loadPushContext, productpageProxy } from './fixture-loader';

const LOGGED = ['envoy.filters.network.http_connection_manager', 'envoy.filters.network.tcp_proxy'];

/** Every connection manager and TCP proxy of the listeners, with the listener it is in. */
function loggedFilters(listeners: any[]): { listener: string; filter: any }[] {
  return listeners.flatMap((listener) => [...(listener.filter_chains ?? []), ...(listener.default_filter_chain ? [listener.default_filter_chain] : [])]
    .flatMap((chain: any) => chain.filters ?? [])
    .filter((filter: any) => LOGGED.includes(filter.name))
    .map((filter: any) => ({ listener: listener.name, filter })));
}

function listenersWith(mesh: Partial<MeshSettings>, identity = productpageProxy(), extra = ''): any[] {
  return resourcesOf(generateProxyResources(loadPushContext(BOOKINFO, extra, mesh), identity), TYPE_URLS.listener);
}

describe('access logs', () => {
  test('GIVEN no accessLogFile WHEN a sidecar\'s listeners are generated THEN none logs', () => {
    const filters = loggedFilters(listenersWith({}));

    expect(filters.length).toBeGreaterThan(3);
    expect(filters.filter(({ filter }) => filter.typed_config.access_log !== undefined)).toEqual([]);
  });

  test.each(['REDIRECT', 'NONE'] as const)('GIVEN accessLogFile /dev/stdout WHEN a sidecar\'s listeners are generated (capture %s) THEN every connection manager and TCP proxy logs the default TEXT line', (mode) => {
    const filters = loggedFilters(listenersWith({ accessLogFile: '/dev/stdout' }, productpageProxy(mode)));

    expect(filters.length).toBeGreaterThan(3);
    expect(new Set(filters.map(({ filter }) => filter.name))).toEqual(new Set(LOGGED));
    for (const { filter } of filters) {
      expect(filter.typed_config.access_log).toEqual([{
        name: 'envoy.access_loggers.file',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
          'path': '/dev/stdout',
          'log_format': { text_format_source: { inline_string: expect.stringMatching(/^start=%START_TIME% .* flags=%RESPONSE_FLAGS% .*\n$/) } },
        },
      }]);
    }
  });

  test('GIVEN a router WHEN its listeners are generated with a JSON format THEN its connection managers log that JSON object', () => {
    const filters = loggedFilters(listenersWith(
      { accessLogFile: '/var/log/gw.json', accessLogEncoding: 'JSON', accessLogFormat: '{"code":"%RESPONSE_CODE%","tls":{"sni":"%REQUESTED_SERVER_NAME%"}}' },
      edgeRouter(), EDGE_GATEWAY_YAML));

    expect(filters.length).toBeGreaterThan(0);
    for (const { filter } of filters) {
      expect(filter.typed_config.access_log[0].typed_config).toMatchObject({
        path: '/var/log/gw.json', log_format: { json_format: { code: '%RESPONSE_CODE%', tls: { sni: '%REQUESTED_SERVER_NAME%' } } },
      });
    }
  });

  test('GIVEN a TEXT format without a line end WHEN generated THEN each entry still ends its line', () => {
    const [{ filter }] = loggedFilters(listenersWith({ accessLogFile: '/dev/stdout', accessLogFormat: '%RESPONSE_CODE% %RESPONSE_FLAGS%' }));

    expect(filter.typed_config.access_log[0].typed_config.log_format.text_format_source.inline_string).toBe('%RESPONSE_CODE% %RESPONSE_FLAGS%\n');
  });

  test.each(['TEXT', 'JSON'] as const)('GIVEN %s logging WHEN every listener is encoded for the wire and decoded THEN the access log is intact', (encoding) => {
    const listeners = listenersWith({ accessLogFile: '/dev/stdout', accessLogEncoding: encoding });

    for (const listener of listeners) {
      const decoded = decodeResourceBytes(TYPE_URLS.listener, encodeResourceBytes(TYPE_URLS.listener, { name: listener.name, resource: listener }));
      expect(loggedFilters([decoded]).map(({ filter }) => filter.typed_config.access_log))
        .toEqual(loggedFilters([listener]).map(({ filter }) => filter.typed_config.access_log));
    }
  });

  test('GIVEN one settings object WHEN a listener is logged twice THEN the same logged object comes back, and another listener gets its own', () => {
    const mesh = { ...DEFAULT_MESH_SETTINGS, accessLogFile: '/dev/stdout' };
    const [listener, other] = listenersWith({});

    expect(accessLogsFor(mesh)).toBe(accessLogsFor(mesh));
    expect(withAccessLogs(listener, accessLogsFor(mesh))).toBe(withAccessLogs(listener, accessLogsFor(mesh)));
    expect(withAccessLogs(other, accessLogsFor(mesh))).not.toBe(withAccessLogs(listener, accessLogsFor(mesh)));
    expect(withAccessLogs(listener, accessLogsFor(DEFAULT_MESH_SETTINGS))).toBe(listener);
  });
});
