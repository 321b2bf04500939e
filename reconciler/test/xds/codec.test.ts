import { TYPE_URLS } from '../../src/push/contract';
import { decodeResourceBytes, encodeResourceBytes, ResourceEncoder, ResourceEncodingError } from '../../src/xds/codec';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** A listener exercising nested Any, enums, wrappers, Durations, Struct metadata and maps. */
function listenerJson(): Record<string, unknown> {
  return {
    name: 'outbound_0.0.0.0_9080',
    address: { socket_address: { address: '127.0.0.1', port_value: 9080, protocol: 'TCP' } },
    traffic_direction: 'OUTBOUND',
    per_connection_buffer_limit_bytes: 32768,
    listener_filters_timeout: '0.25s',
    metadata: { filter_metadata: { 'istio': { config: 'a/b', weights: [1, 2.5], on: true, none: null } } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM,
          'stat_prefix': 'outbound_9080',
          'stream_idle_timeout': '-1.5s',
          'rds': { route_config_name: '9080', config_source: { ads: {}, resource_api_version: 'V3' } },
          'http_filters': [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER, 'suppress_envoy_headers': true } }],
        },
      }],
    }],
  };
}

describe('codec', () => {
  test('GIVEN a listener with nested Any WHEN encoded and decoded THEN the proto3 JSON round-trips', () => {
    const json = listenerJson();
    const bytes = encodeResourceBytes(TYPE_URLS.listener, { name: 'l', resource: json });
    // per_connection_buffer_limit_bytes is a UInt32Value wrapper: bare in JSON, a message on the wire.
    expect(decodeResourceBytes(TYPE_URLS.listener, bytes)).toEqual({
      ...json,
      metadata: { filter_metadata: { istio: { config: 'a/b', weights: [1, 2.5], on: true, none: null } } },
    });
  });

  test('GIVEN lowerCamelCase field names WHEN encoded THEN they mean the same fields as snake_case', () => {
    const snake = encodeResourceBytes(TYPE_URLS.cluster, { name: 'c', resource: { name: 'c', connect_timeout: '1s', type: 'EDS' } });
    const camel = encodeResourceBytes(TYPE_URLS.cluster, { name: 'c', resource: { name: 'c', connectTimeout: '1s', type: 'EDS' } });
    expect(Buffer.from(camel)).toEqual(Buffer.from(snake));
  });

  test.each([
    ['an unknown field', { name: 'c', conect_timeout: '1s' }, "cannot encode Cluster 'c': $.conect_timeout: unknown field for envoy.config.cluster.v3.Cluster"],
    ['an unknown enum name', { name: 'c', type: 'DNS' }, '$.type: "DNS" is not a value of enum DiscoveryType'],
    ['a malformed duration', { name: 'c', connect_timeout: '1000ms' }, "$.connect_timeout: expected a duration like '1.5s', got \"1000ms\""],
    ['an unknown @type deep inside', { name: 'c', typed_extension_protocol_options: { x: { '@type': 'type.googleapis.com/no.Such' } } }, "$.typed_extension_protocol_options.x.@type: unknown type 'type.googleapis.com/no.Such'"],
    ['a string for a number', { name: 'c', per_connection_buffer_limit_bytes: 'lots' }, '$.per_connection_buffer_limit_bytes: expected an integer (uint32), got "lots"'],
    ['two members of one oneof', { name: 'c', type: 'EDS', cluster_type: { name: 'x' } }, "only one field of oneof 'cluster_discovery_type' may be set"],
    ['a @type that disagrees with the served type', { '@type': TYPE_URLS.listener, 'name': 'c' }, "$.@type: is 'type.googleapis.com/envoy.config.listener.v3.Listener'"],
  ])('GIVEN %s WHEN encoded THEN the error names the resource and field path', (_, resource, message) => {
    const encode = () => encodeResourceBytes(TYPE_URLS.cluster, { name: 'c', resource: resource as Record<string, unknown> });
    expect(encode).toThrow(ResourceEncodingError);
    expect(encode).toThrow(message);
  });

  test('GIVEN a well-known type inside Any WHEN round-tripped THEN it keeps its JSON under value', () => {
    const resource = {
      name: 'c',
      typed_extension_protocol_options: { d: { '@type': 'type.googleapis.com/google.protobuf.Duration', 'value': '2.25s' } },
    };
    const bytes = encodeResourceBytes(TYPE_URLS.cluster, { name: 'c', resource });
    expect(decodeResourceBytes(TYPE_URLS.cluster, bytes)).toEqual(resource);
  });

  test('GIVEN bytes fields in base64 WHEN round-tripped THEN the bytes survive', () => {
    const resource = { name: 'ca', validation_context: { trusted_ca: { inline_bytes: Buffer.from('-----PEM-----').toString('base64') } } };
    const bytes = encodeResourceBytes(TYPE_URLS.secret, { name: 'ca', resource });
    expect(decodeResourceBytes(TYPE_URLS.secret, bytes)).toEqual(resource);
  });

  test('GIVEN the same content twice WHEN encoded by one encoder THEN the bytes are held once and shared', () => {
    const encoder = new ResourceEncoder();
    const first = encoder.encode(TYPE_URLS.cluster, { name: 'c', resource: { name: 'c', type: 'EDS', connect_timeout: '1s' } });
    const reordered = encoder.encode(TYPE_URLS.cluster, { name: 'c', resource: { connect_timeout: '1s', type: 'EDS', name: 'c' } });
    const changed = encoder.encode(TYPE_URLS.cluster, { name: 'c', resource: { name: 'c', type: 'EDS', connect_timeout: '2s' } });
    expect(reordered.bytes).toBe(first.bytes);
    expect(reordered.hash).toBe(first.hash);
    expect(changed.hash).not.toBe(first.hash);
    expect(encoder.size).toBe(2);
  });

  test('GIVEN map entries in another order WHEN encoded THEN the bytes and the hash are the same', () => {
    const encoder = new ResourceEncoder();
    const metadata = (keys: string[]) => ({ filter_metadata: Object.fromEntries(keys.map((key) => [key, { fields: { [key]: { string_value: key } } }])) });
    const first = encoder.encode(TYPE_URLS.cluster, { name: 'c', resource: { name: 'c', metadata: metadata(['istio', 'mesh', 'a']) } });
    const reordered = encoder.encode(TYPE_URLS.cluster, { name: 'c', resource: { name: 'c', metadata: metadata(['a', 'mesh', 'istio']) } });
    const fewer = encoder.encode(TYPE_URLS.cluster, { name: 'c', resource: { name: 'c', metadata: metadata(['mesh', 'istio']) } });
    expect(Buffer.from(reordered.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(reordered.hash).toBe(first.hash);
    expect(fewer.hash).not.toBe(first.hash);
  });

  test('GIVEN one resource object WHEN encoded again THEN the first encoding is returned as is, not re-serialized', () => {
    const encoder = new ResourceEncoder();
    const shared = { name: 'c', resource: { name: 'c', type: 'EDS', connect_timeout: '1s' } };
    const first = encoder.encode(TYPE_URLS.cluster, shared);
    const copy = encoder.encode(TYPE_URLS.cluster, { name: 'c', resource: { ...shared.resource } });
    expect(encoder.encode(TYPE_URLS.cluster, shared)).toBe(first);
    expect(encoder.encode(TYPE_URLS.cluster, { name: 'c', resource: shared.resource })).toBe(first);
    expect(copy).not.toBe(first);
    expect(copy.bytes).toBe(first.bytes);
    expect(first.json).toBe(shared.resource);
  });

  test.each([
    ['another name', TYPE_URLS.cluster, 'renamed'],
    ['another type URL', TYPE_URLS.route, 'c'],
  ])('GIVEN an encoded resource object WHEN encoded under %s THEN the result carries that name and type', (_, typeUrl, name) => {
    const encoder = new ResourceEncoder();
    const resource = { name: 'c' };
    const first = encoder.encode(TYPE_URLS.cluster, { name: 'c', resource });
    const again = encoder.encode(typeUrl, { name, resource });
    expect({ name: again.name, typeUrl: again.typeUrl }).toEqual({ name, typeUrl });
    expect(again.hash === first.hash).toBe(typeUrl === TYPE_URLS.cluster);
  });

  test('GIVEN one list object WHEN encoded as a set twice THEN both proxies share one set; an equal list gets an equal version', () => {
    const encoder = new ResourceEncoder();
    const list = [{ name: 'a', resource: { name: 'a' } }, { name: 'b', resource: { name: 'b' } }];
    const first = encoder.encodeSet(TYPE_URLS.cluster, list);
    const equal = encoder.encodeSet(TYPE_URLS.cluster, [...list].reverse());
    const changed = encoder.encodeSet(TYPE_URLS.cluster, [list[0]]);
    expect(encoder.encodeSet(TYPE_URLS.cluster, list)).toBe(first);
    expect(equal).not.toBe(first);
    expect(equal.version).toBe(first.version);
    expect(changed.version).not.toBe(first.version);
    expect([...first.resources.keys()]).toEqual(['a', 'b']);
  });

  test('GIVEN an encoder bounded to one entry WHEN two contents are encoded THEN the older is evicted', () => {
    const encoder = new ResourceEncoder(1);
    encoder.encode(TYPE_URLS.cluster, { name: 'a', resource: { name: 'a' } });
    encoder.encode(TYPE_URLS.cluster, { name: 'b', resource: { name: 'b' } });
    expect(encoder.size).toBe(1);
  });
});
