/**
 * Every value a reconciler message quotes goes through here, so a hostile or accidental 1 MiB name,
 * host or YAML line costs a few hundred bytes in a log line or `/debug/rejected`, not megabytes.
 */

/** How much of a quoted value a message shows. */
export const QUOTED_VALUE_MAX_CHARS = 200;

/**
 * The value as a message shows it: unchanged up to 200 characters, else its first 200 characters,
 * an ellipsis and its full length, e.g. `aaaa… (1048576 characters)`.
 */
export function cutForMessage(value: string): string {
  if (value.length <= QUOTED_VALUE_MAX_CHARS) return value;
  return `${value.slice(0, QUOTED_VALUE_MAX_CHARS)}… (${value.length} characters)`;
}

/** Any value, stringified (JSON for non-strings) and cut, for messages that quote what the user wrote. */
export function quoteForMessage(value: unknown): string {
  const text = typeof value === 'string' ? value : safeJson(value);
  return cutForMessage(text);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
