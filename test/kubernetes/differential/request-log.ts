/**
 * Envoy's response flags per request, read from the access log each client sidecar writes: both
 * control planes are given the same mesh settings (a line with the request's own id and the flags,
 * to standard output), so a flag that differs is a difference in what each side configured.
 */
import * as fs from 'fs';
import type { RequestSpec } from './request-outcome';

/** The header each request carries with its id; neither side routes on it, no backend reports it. */
export const REQUEST_ID_HEADER = 'x-differential-request';

const LINE_PREFIX = 'differential-request=';

/** The TEXT line both sides are asked to log: the id, then Envoy's short response flags (`-` for none). */
export const REQUEST_LOG_FORMAT = `${LINE_PREFIX}%REQ(X-DIFFERENTIAL-REQUEST)% flags=%RESPONSE_FLAGS%\n`;

/** The reconciler's mesh settings for that log (istiod gets the same through its meshConfig). */
export const RECONCILER_REQUEST_LOG_SETTINGS = { accessLogFile: '/dev/stdout', accessLogEncoding: 'TEXT', accessLogFormat: REQUEST_LOG_FORMAT } as const;

let requestsTagged = 0;

/** `spec` carrying a new id of its own, the id its access log line will have. */
export function taggedRequest(spec: RequestSpec, side: string): { readonly request: RequestSpec; readonly logId: string } {
  const logId = `${side}-${++requestsTagged}`;
  return { request: { ...spec, headers: { ...spec.headers, [REQUEST_ID_HEADER]: logId } }, logId };
}

/** Id → flags of every logged request with an id, from the text of a log. */
export function responseFlagsIn(text: string): Map<string, string> {
  const flags = new Map<string, string>();
  for (const match of text.matchAll(new RegExp(`^${LINE_PREFIX}(\\S+) flags=(\\S+)$`, 'gm'))) {
    if (match[1] !== '-') flags.set(match[1], match[2]);
  }
  return flags;
}

/** What has been read of each log so far: the files only grow, and are read on from where the last look stopped. */
const readSoFar = new Map<string, { offset: number; partial: string; flags: Map<string, string> }>();

function flagsLoggedIn(logFile: string): Map<string, string> {
  const state = readSoFar.get(logFile) ?? { offset: 0, partial: '', flags: new Map<string, string>() };
  readSoFar.set(logFile, state);
  const size = fs.statSync(logFile).size;
  if (size > state.offset) {
    const buffer = Buffer.alloc(size - state.offset);
    const descriptor = fs.openSync(logFile, 'r');
    try {
      fs.readSync(descriptor, buffer, 0, buffer.length, state.offset);
    } finally {
      fs.closeSync(descriptor);
    }
    state.offset = size;
    const text = state.partial + buffer.toString('utf8');
    // A line still being written is kept for the next look.
    const end = text.lastIndexOf('\n') + 1;
    state.partial = text.slice(end);
    for (const [id, flags] of responseFlagsIn(text.slice(0, end))) state.flags.set(id, flags);
  }
  return state.flags;
}

/**
 * The flags of each id, once every id has a line in `logFile` (Envoy writes the line when the
 * request ends and flushes every few milliseconds); ids still missing at the deadline are refused.
 */
export async function awaitResponseFlags(logFile: string, ids: readonly string[], timeoutMs = 10_000): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const flags = flagsLoggedIn(logFile);
    const missing = ids.filter((id) => !flags.has(id));
    if (missing.length === 0) return new Map(ids.map((id) => [id, flags.get(id)!]));
    if (Date.now() > deadline) throw new Error(`${missing.length} of ${ids.length} requests have no access log line in ${logFile} after ${timeoutMs} ms (first: ${missing[0]})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
