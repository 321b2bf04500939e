import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { HttpMatch } from '../../src';

// Valid-looking props: mostly plausible values, with the edge cases users hit mixed in
// (empty, upper case, too long, out of range, fractional, Unicode, regexes RE2 refuses).

export const name = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Reviews', 'a_b', 'x'.repeat(64), 'dotted.name', '-lead', 'trail-', 'ünï', ' ') },
);

export const version = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('v1', 'v2', 'v3') },
  { weight: 1, arbitrary: fc.constantFrom('v4', '', 'V1', 'v1 ') },
);

export const port = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 65535 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 65536, 80.5, Number.NaN, 1e12) },
);

export const percentage = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 100 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 101, 12.5, 0.001, Number.NaN) },
);

export const count = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 1000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -3, 2.5, 2 ** 31, Number.MAX_SAFE_INTEGER) },
);

export const duration = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 600_000 }).map((millis) => Duration.millis(millis)) },
  { weight: 1, arbitrary: fc.constantFrom(Duration.millis(0), Duration.seconds(0.0001), Duration.hours(10_000)) },
);

export const headerName = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(/^x-[a-z0-9-]{1,10}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', 'X-Upper', 'has space', ':authority', 'x'.repeat(300)) },
);

export const headerValue = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(/^[a-zA-Z0-9._-]{1,16}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'line\nbreak', '"quoted"', 'ünïcödé', 'x'.repeat(5000), ': yaml: like', '*') },
);

export const regex = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('^v[0-9]+$', '(?i)jason', 'beta|gamma', '[a-f0-9]{8}', '.*', '\\C') },
  { weight: 1, arbitrary: fc.constantFrom('(?=x)', 'a++', '(a)\\1', '', '[0-9]{300}', '(unclosed', '\\x{100}', 'x'.repeat(2000)) },
);

export const httpMatch = fc.oneof(
  fc.tuple(headerName, headerValue).map(([header, value]) => HttpMatch.header(header).exact(value)),
  fc.tuple(headerName, headerValue).map(([header, value]) => HttpMatch.header(header).prefix(value)),
  fc.tuple(headerName, regex).map(([header, pattern]) => HttpMatch.header(header).regex(pattern)),
  fc.tuple(headerName, regex).map(([parameter, pattern]) => HttpMatch.queryParam(parameter).regex(pattern)),
  fc.tuple(fc.constantFrom('session', 'group', 'bad name', ''), regex).map(([cookie, pattern]) => HttpMatch.cookie(cookie, pattern)),
  fc.constantFrom('/api', '/', 'api', '/x'.repeat(200)).map((prefix) => HttpMatch.pathPrefix(prefix)),
);

export const host = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}\.(example\.com|svc\.cluster\.local)$/) },
  { weight: 1, arbitrary: fc.constantFrom('*.example.com', '*', '', 'UPPER.example.com', 'has space.com', '10.0.0.1', 'x'.repeat(300)) },
);

/** Mostly `valid`, sometimes `edge`. */
export function mostly<T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: edge });
}

export const namespace = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('bookinfo', 'default', 'shop') },
  { weight: 1, arbitrary: name },
);
