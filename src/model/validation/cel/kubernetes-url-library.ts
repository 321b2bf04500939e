import { CelFunc, CelMap, CelScalar, celFunc, celMethod, isCelMap, listType, mapType } from '@bufbuild/cel';

// The Kubernetes CEL URL library (`url()`, `isURL()` and the URL accessors), which
// @bufbuild/cel does not ship. Semantics follow Go's url.ParseRequestURI as the API server
// uses it: an absolute URI or an absolute path; the scheme is reported lower-cased.
// CEL here has no opaque object types without protobuf descriptors, so a URL value is a map
// carrying a private key; the accessors refuse any other map.

const URL_KEY = '@kubernetes.url';
const { STRING, BOOL, DYN } = CelScalar;

interface ParsedUrl {
  readonly scheme: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly escapedPath: string;
  readonly query: Map<string, string[]>;
}

function parseRequestUri(text: string): ParsedUrl {
  if (text === '' || /\s/.test(text) || text.includes('#')) {
    throw new Error(`URL parse error: invalid URI ${JSON.stringify(text)}`);
  }
  if (text.startsWith('/')) {
    const parsed = new URL(text, 'http://path.invalid');
    return { scheme: '', host: '', hostname: '', port: '', escapedPath: parsed.pathname, query: queryOf(parsed) };
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text)) {
    throw new Error(`URL parse error: ${JSON.stringify(text)} is neither an absolute URI nor an absolute path`);
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new Error(`URL parse error: invalid URI ${JSON.stringify(text)}`);
  }
  return {
    scheme: parsed.protocol.slice(0, -1).toLowerCase(),
    host: parsed.host,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port,
    escapedPath: parsed.pathname,
    query: queryOf(parsed),
  };
}

function queryOf(parsed: URL): Map<string, string[]> {
  const query = new Map<string, string[]>();
  for (const [key, value] of parsed.searchParams) {
    query.set(key, [...(query.get(key) ?? []), value]);
  }
  return query;
}

function urlValue(text: string): Map<string, string> {
  parseRequestUri(text);
  return new Map([[URL_KEY, text]]);
}

function parsedUrlOf(target: unknown): ParsedUrl {
  const text = isCelMap(target) ? (target as CelMap).get(URL_KEY) : undefined;
  if (typeof text !== 'string') {
    throw new Error('no such overload: URL accessors apply to values returned by url()');
  }
  return parseRequestUri(text);
}

function urlAccessor(name: string, read: (url: ParsedUrl) => string): CelFunc {
  return celMethod(name, DYN, [], STRING, function () {
    return read(parsedUrlOf(this));
  });
}

export const KUBERNETES_URL_FUNCTIONS: readonly CelFunc[] = [
  celFunc('url', [STRING], DYN, (text) => urlValue(text)),
  celFunc('isURL', [STRING], BOOL, (text) => {
    try {
      parseRequestUri(text);
      return true;
    } catch {
      return false;
    }
  }),
  urlAccessor('getScheme', (url) => url.scheme),
  urlAccessor('getHost', (url) => url.host),
  urlAccessor('getHostname', (url) => url.hostname),
  urlAccessor('getPort', (url) => url.port),
  urlAccessor('getEscapedPath', (url) => url.escapedPath),
  celMethod('getQuery', DYN, [], mapType(STRING, listType(STRING)), function () {
    return parsedUrlOf(this).query;
  }),
];
