/**
 * Loads the Envoy v3 protos shipped with `@grpc/grpc-js-xds` into one protobufjs root, once and lazily.
 * Only the entry files the reconciler emits are listed (their imports are followed); loading every file
 * under `envoy/` fails because the package ships only the dependencies of its own client.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';

const ENTRY_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/grpc_stats/v3/config.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/type/matcher/v3/string.proto',
  'envoy/type/matcher/v3/regex.proto',
  'envoy/type/matcher/v3/metadata.proto',
];

let cachedRoot: protobuf.Root | undefined;

/** Directories searched for imports, in order; the last serves protobufjs' own `google/protobuf` files. */
function includeDirs(): string[] {
  const xdsPackage = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const deps = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(xdsPackage, 'deps', dir));
  return [...deps, path.dirname(require.resolve('protobufjs/package.json'))];
}

/** The resolved protobuf root with every Envoy type the reconciler can encode. */
export function xdsProtoRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const dirs = includeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(ENTRY_FILES, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

/** Bounds the cache: type URLs come from input, and unknown ones are cached too. */
const MAX_CACHED_TYPE_URLS = 10_000;
const messageTypes = new Map<string, protobuf.Type | undefined>();

/** The message type behind a `type.googleapis.com/<full name>` URL, or undefined when not loaded. */
export function lookupMessageType(typeUrl: string): protobuf.Type | undefined {
  // Every Any of every encoded resource looks its type up; protobufjs searches namespaces each time.
  if (messageTypes.has(typeUrl)) return messageTypes.get(typeUrl);
  const fullName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  let type: protobuf.Type | undefined;
  try {
    type = xdsProtoRoot().lookupType(fullName);
  } catch {
    type = undefined;
  }
  if (messageTypes.size < MAX_CACHED_TYPE_URLS) messageTypes.set(typeUrl, type);
  return type;
}

