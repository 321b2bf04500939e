/**
 * Access log formats as Istio's meshConfig takes them (`accessLogFormat` with `accessLogEncoding`
 * TEXT or JSON), checked the way Envoy parses them so a format Envoy would refuse never reaches a
 * listener. A TEXT format is one line of literal text and command operators; a JSON format is an
 * object whose string values are such lines.
 */
import { ACCESS_LOG_OPERATORS, HEADER_OPERATORS } from './access-log-operators';

export type AccessLogEncoding = 'TEXT' | 'JSON';
export const ACCESS_LOG_ENCODINGS: readonly AccessLogEncoding[] = ['TEXT', 'JSON'];

/** The fields every default format logs: enough to tell who called what, how it ended, and why. */
const DEFAULT_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['start', '%START_TIME%'],
  ['method', '%REQ(:METHOD)%'],
  ['path', '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%'],
  ['protocol', '%PROTOCOL%'],
  ['status', '%RESPONSE_CODE%'],
  ['flags', '%RESPONSE_FLAGS%'],
  ['details', '%RESPONSE_CODE_DETAILS%'],
  ['authority', '%REQ(:AUTHORITY)%'],
  ['upstream_cluster', '%UPSTREAM_CLUSTER_RAW%'],
  ['upstream_host', '%UPSTREAM_HOST%'],
  ['route', '%ROUTE_NAME%'],
  ['duration_ms', '%DURATION%'],
  ['bytes_received', '%BYTES_RECEIVED%'],
  ['bytes_sent', '%BYTES_SENT%'],
  ['request_id', '%REQ(X-REQUEST-ID)%'],
  ['peer', '%DOWNSTREAM_PEER_URI_SAN%'],
  ['client', '%DOWNSTREAM_REMOTE_ADDRESS%'],
];

/** The TEXT format when none is set: `key=value` pairs, values that may hold spaces quoted. */
export const DEFAULT_TEXT_ACCESS_LOG_FORMAT = DEFAULT_FIELDS
  .map(([key, operator]) => (key === 'path' || key === 'details' ? `${key}="${operator}"` : `${key}=${operator}`)).join(' ') + '\n';

/** The JSON format when none is set: the same fields as keys. */
export const DEFAULT_JSON_ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(DEFAULT_FIELDS));

const COMMAND = /^%([A-Z0-9_]+)(?:\(([^)]*)\))?(?::(\d+))?%/;

/** Why Envoy would refuse one format line, with where and how to fix it; undefined when it accepts it. */
export function accessLogTextFormatProblem(format: string): string | undefined {
  for (let position = format.indexOf('%'); position >= 0; position = format.indexOf('%', position)) {
    if (format[position + 1] === '%') {
      position += 2;
      continue;
    }
    const match = COMMAND.exec(format.slice(position));
    if (!match) {
      return `the '%' at position ${position} starts no command operator; write operators as %NAME%, %NAME(argument)% or %NAME(argument):length%, and a literal percent sign as %%`;
    }
    const [whole, name, argument, length] = match;
    const problem = operatorProblem(name, argument, length);
    if (problem) return `${whole} at position ${position}: ${problem}`;
    position += whole.length;
  }
  return undefined;
}

function operatorProblem(name: string, argument: string | undefined, length: string | undefined): string | undefined {
  const operator = ACCESS_LOG_OPERATORS[name];
  if (!operator) {
    const near = Object.keys(ACCESS_LOG_OPERATORS).filter((known) => known.includes(name) || name.includes(known)).slice(0, 3);
    return `${name} is not an access log operator Envoy 1.40 knows${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`;
  }
  if (operator.argument === 'none' && argument !== undefined) return `${name} takes no argument; write %${name}%`;
  if (operator.argument === 'required' && !argument) return `${name} needs an argument, e.g. %${name}(${name === 'ENVIRONMENT' ? 'HOSTNAME' : 'X-REQUEST-ID'})%`;
  if (operator.options && argument !== undefined && !operator.options.includes(argument)) {
    return `${name} takes one of ${operator.options.join(', ')} in parentheses, not '${argument}'`;
  }
  if (length !== undefined && !operator.length) return `${name} cannot be truncated with ':${length}'; only %PATH%, %QUERY_PARAMS% and operators naming a header, dynamic metadata, filter state, a query parameter or a variable can`;
  if (argument !== undefined && HEADER_OPERATORS.includes(name) && argument.split('?').length > 2) {
    return `${name} names one header and at most one fallback (X?Y), not '${argument}'`;
  }
  return undefined;
}

/**
 * Why Envoy would refuse a JSON format (the object Istio's `accessLogFormat` holds as text under
 * JSON encoding), naming the key; undefined when it accepts it.
 */
export function accessLogJsonFormatProblem(format: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(format);
  } catch (error) {
    return `it is not JSON (${(error as Error).message}); with JSON encoding the format is an object such as {"status": "%RESPONSE_CODE%"}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'with JSON encoding the format must be a JSON object such as {"status": "%RESPONSE_CODE%"}';
  }
  return jsonValueProblem(parsed as Record<string, unknown>, '');
}

function jsonValueProblem(object: Record<string, unknown>, prefix: string): string | undefined {
  for (const [key, value] of Object.entries(object)) {
    const where = `key '${prefix}${key}'`;
    if (typeof value === 'string') {
      const problem = accessLogTextFormatProblem(value);
      if (problem) return `${where}: ${problem}`;
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const problem = jsonValueProblem(value as Record<string, unknown>, `${prefix}${key}.`);
      if (problem) return problem;
    } else if (Array.isArray(value) || value === null) {
      return `${where}: Envoy's JSON access log takes strings, numbers, booleans and objects, not ${value === null ? 'null' : 'lists'}`;
    }
  }
  return undefined;
}

/** The problem with a format under an encoding, or undefined when Envoy accepts it. */
export function accessLogFormatProblem(format: string, encoding: AccessLogEncoding): string | undefined {
  return encoding === 'JSON' ? accessLogJsonFormatProblem(format) : accessLogTextFormatProblem(format);
}
