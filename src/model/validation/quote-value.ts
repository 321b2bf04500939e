/**
 * Every value a message quotes (at synth time and in the reconciler) goes through here, so a hostile
 * or accidental 1 MiB name, host or YAML line costs a few hundred bytes in a log line or
 * `/debug/rejected`, not megabytes.
 */

/** Longest part of a value that messages quote. */
export const QUOTED_VALUE_MAX_CHARACTERS = 200;

/**
 * The value as JSON (strings in double quotes); past 200 characters cut, with an ellipsis and the
 * full length: `"aaaa…" (1048576 characters)`.
 */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length <= QUOTED_VALUE_MAX_CHARACTERS
      ? JSON.stringify(value)
      : `${JSON.stringify(value.slice(0, QUOTED_VALUE_MAX_CHARACTERS)).slice(0, -1)}…" (${value.length} characters)`;
  }
  const text = value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  return text.length <= QUOTED_VALUE_MAX_CHARACTERS ? text : `${text.slice(0, QUOTED_VALUE_MAX_CHARACTERS)}… (${text.length} characters)`;
}

/**
 * The value as a message shows it, unquoted: unchanged up to 200 characters, else its first 200
 * characters, an ellipsis and its full length, e.g. `aaaa… (1048576 characters)`.
 */
export function cutForMessage(value: string): string {
  if (value.length <= QUOTED_VALUE_MAX_CHARACTERS) return value;
  return `${value.slice(0, QUOTED_VALUE_MAX_CHARACTERS)}… (${value.length} characters)`;
}

/** Any value, stringified (JSON for non-strings) and cut, for messages that quote what the user wrote. */
export function quoteForMessage(value: unknown): string {
  if (typeof value === 'string') return cutForMessage(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Cycles and BigInts cannot be JSON; the message still names the value.
    text = String(value);
  }
  return cutForMessage(text);
}
