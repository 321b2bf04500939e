/**
 * Access logging from the mesh settings (Istio's `accessLogFile`, `accessLogEncoding`,
 * `accessLogFormat`): every HTTP connection manager and TCP proxy of a proxy's listeners gets the
 * same file logger, so each request or connection a sidecar or gateway handles is one line.
 */
import { FILE_ACCESS_LOG, HTTP_CONNECTION_MANAGER, TCP_PROXY, typedFilter } from './envoy-extensions';
import { DEFAULT_JSON_ACCESS_LOG_FORMAT, DEFAULT_TEXT_ACCESS_LOG_FORMAT } from '../../model';
import type { MeshSettings } from '../../push/mesh-settings';

type Json = Record<string, unknown>;

type AccessLogSettings = Pick<MeshSettings, 'accessLogFile' | 'accessLogEncoding' | 'accessLogFormat'>;

// One value per settings object, so listeners logged with it are recognised as already logged.
const accessLogsBySettings = new WeakMap<AccessLogSettings, Json[] | undefined>();

/** The `access_log` entries the settings ask for, or undefined when they ask for none. */
export function accessLogsFor(mesh: AccessLogSettings): Json[] | undefined {
  if (!accessLogsBySettings.has(mesh)) accessLogsBySettings.set(mesh, buildAccessLogs(mesh));
  return accessLogsBySettings.get(mesh);
}

function buildAccessLogs(mesh: AccessLogSettings): Json[] | undefined {
  if (mesh.accessLogFile === '') return undefined;
  const logFormat = mesh.accessLogEncoding === 'JSON'
    ? { json_format: mesh.accessLogFormat === '' ? DEFAULT_JSON_ACCESS_LOG_FORMAT : JSON.parse(mesh.accessLogFormat) }
    // Envoy writes a text line as given: a format without a line end would run every entry together.
    : { text_format_source: { inline_string: withLineEnd(mesh.accessLogFormat === '' ? DEFAULT_TEXT_ACCESS_LOG_FORMAT : mesh.accessLogFormat) } };
  return [typedFilter(FILE_ACCESS_LOG, { path: mesh.accessLogFile, log_format: logFormat })];
}

function withLineEnd(format: string): string {
  return format.endsWith('\n') ? format : `${format}\n`;
}

const LOGGED_FILTERS = new Set([HTTP_CONNECTION_MANAGER.name, TCP_PROXY.name]);

function withLoggedFilters(chain: Json, accessLogs: readonly Json[]): Json {
  const filters = chain.filters as Json[] | undefined;
  if (!filters?.some((filter) => LOGGED_FILTERS.has(filter.name as string))) return chain;
  return {
    ...chain,
    filters: filters.map((filter) => (LOGGED_FILTERS.has(filter.name as string)
      ? { ...filter, typed_config: { ...(filter.typed_config as Json), access_log: accessLogs } }
      : filter)),
  };
}

// Listeners may be shared values reused across pushes and proxies; the logged copy is kept beside
// each, so reuse still hands out the same object and it is encoded once.
const logged = new WeakMap<Json, { readonly accessLogs: readonly Json[]; readonly listener: Json }>();

/** `listener` with the access logs in every connection manager and TCP proxy of its filter chains. */
export function withAccessLogs(listener: Json, accessLogs: readonly Json[] | undefined): Json {
  if (!accessLogs) return listener;
  const known = logged.get(listener);
  if (known && known.accessLogs === accessLogs) return known.listener;
  const chains = listener.filter_chains as Json[] | undefined;
  const defaultChain = listener.default_filter_chain as Json | undefined;
  const result: Json = {
    ...listener,
    ...(chains ? { filter_chains: chains.map((chain) => withLoggedFilters(chain, accessLogs)) } : {}),
    ...(defaultChain ? { default_filter_chain: withLoggedFilters(defaultChain, accessLogs) } : {}),
  };
  logged.set(listener, { accessLogs, listener: result });
  return result;
}
