import { appendIndex, appendProperty, isPlainObject } from '../validation/field-path';

// Every field of the Istio kinds the mesh serves whose value Envoy compiles as an RE2 regex.
// In the CRDs they are all in VirtualService (matches, CORS origins, regex rewrites); the other
// served kinds carry no regex fields (AuthorizationPolicy wildcards and ServiceEntry/Sidecar
// hosts are globs, not regexes). test/model/regex/istio-regex-fields.test.ts keeps this list
// in step with the CRDs.

/** A regex-valued field: its path in the object and the value found there. */
export interface RegexField {
  readonly path: string;
  readonly value: unknown;
}

/**
 * Istio reads `regex: "*"` in a header, query parameter, method, authority or scheme match as
 * "present, with any value" (it is no RE2 regex: a repetition of nothing). Only a URI regex is
 * compiled whatever it says.
 */
export const PRESENCE_REGEX = '*';

/** The StringMatch-typed fields of an HTTPMatchRequest. */
const STRING_MATCH_FIELDS = ['uri', 'scheme', 'method', 'authority'] as const;
/** The map-of-StringMatch fields of an HTTPMatchRequest. */
const STRING_MATCH_MAPS = ['headers', 'queryParams', 'withoutHeaders'] as const;

/** The regex fields present in `object` (any kind; only VirtualService has some). */
export function regexFieldsOf(object: unknown): RegexField[] {
  if (!isPlainObject(object) || object.kind !== 'VirtualService' || !isPlainObject(object.spec)) {
    return [];
  }
  const found: RegexField[] = [];
  listOf(object.spec.http).forEach((route, routeIndex) => {
    const routePath = appendIndex('spec.http', routeIndex);
    listOf(route.match).forEach((match, matchIndex) => {
      const matchPath = appendIndex(`${routePath}.match`, matchIndex);
      for (const field of STRING_MATCH_FIELDS) {
        addRegex(found, match[field], appendProperty(matchPath, field), field !== 'uri');
      }
      for (const field of STRING_MATCH_MAPS) {
        const entries = isPlainObject(match[field]) ? Object.entries(match[field] as object) : [];
        for (const [name, stringMatch] of entries) {
          addRegex(found, stringMatch, appendProperty(appendProperty(matchPath, field), name), true);
        }
      }
    });
    const cors = isPlainObject(route.corsPolicy) ? route.corsPolicy : {};
    listOf(cors.allowOrigins).forEach((origin, index) => addRegex(found, origin, appendIndex(`${routePath}.corsPolicy.allowOrigins`, index)));
    const rewrite = isPlainObject(route.rewrite) ? route.rewrite : {};
    if (isPlainObject(rewrite.uriRegexRewrite)) {
      // Envoy needs the pattern: a rewrite without one is an empty regex.
      found.push({ path: `${routePath}.rewrite.uriRegexRewrite.match`, value: rewrite.uriRegexRewrite.match ?? '' });
    }
  });
  return found;
}

function addRegex(found: RegexField[], stringMatch: unknown, path: string, presenceAllowed = false): void {
  if (isPlainObject(stringMatch) && stringMatch.regex !== undefined && !(presenceAllowed && stringMatch.regex === PRESENCE_REGEX)) {
    found.push({ path: `${path}.regex`, value: stringMatch.regex });
  }
}

function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}
