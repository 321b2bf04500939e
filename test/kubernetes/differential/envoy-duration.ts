/** Envoy's JSON durations (`"0.250s"`) in milliseconds, for comparing config dumps. */

/** `"0.250s"` → 250; absent → the default given. */
export function millis(duration: string | undefined, fallback: number | null): number | null {
  if (duration === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration);
  if (!match) throw new Error(`not an Envoy JSON duration: ${duration}`);
  return Math.round(Number(match[1]) * 1000);
}
