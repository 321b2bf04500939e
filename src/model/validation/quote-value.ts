// Values quoted in messages are cut, so that a 1 MiB name cannot turn into a 1 MiB log line.

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
