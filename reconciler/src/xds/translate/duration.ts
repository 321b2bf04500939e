/** Istio durations (Go syntax: `1m30s`, `100ms`) → protobuf JSON Durations (`90s`, `0.100s`). */

const UNIT_NANOS: Record<string, bigint> = {
  h: 3_600_000_000_000n,
  m: 60_000_000_000n,
  s: 1_000_000_000n,
  ms: 1_000_000n,
  us: 1_000n,
  µs: 1_000n,
  ns: 1n,
};
const SEGMENT = /(\d+)(?:\.(\d+))?(h|ms|m|s|us|µs|ns)/y;

/** Total nanoseconds of a Go-style duration; throws with the field name when it is malformed. */
export function parseDurationNanos(value: string, field: string): bigint {
  const text = value.trim();
  let total = 0n;
  let position = 0;
  while (position < text.length) {
    SEGMENT.lastIndex = position;
    const match = SEGMENT.exec(text);
    if (!match) {
      throw new Error(`${field} is '${value}', which is not a duration; use forms like '5s', '250ms' or '1m30s'`);
    }
    const [, whole, fraction = '', unit] = match;
    const unitNanos = UNIT_NANOS[unit];
    total += BigInt(whole) * unitNanos + (BigInt(fraction || '0') * unitNanos) / 10n ** BigInt(fraction.length);
    position = SEGMENT.lastIndex;
  }
  if (position === 0) {
    throw new Error(`${field} is empty; use forms like '5s', '250ms' or '1m30s'`);
  }
  return total;
}

/** A protobuf JSON Duration string, seconds with at most nanosecond precision. */
export function toProtoDuration(value: string, field: string): string {
  const nanos = parseDurationNanos(value, field);
  const seconds = nanos / 1_000_000_000n;
  const remainder = nanos % 1_000_000_000n;
  if (remainder === 0n) {
    return `${seconds}s`;
  }
  return `${seconds}.${remainder.toString().padStart(9, '0').replace(/0+$/, '')}s`;
}
