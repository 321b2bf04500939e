/** Debug views show what proxies were sent, but never a private key. */

export const REDACTED = '[redacted]';

/** A deep copy of `value` with every `private_key` field replaced by `[redacted]`. */
export function redactPrivateKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactPrivateKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>)
    .map(([key, field]) => [key, key === 'private_key' ? REDACTED : redactPrivateKeys(field)]));
}
