/** Istio percentages (0–100, fractional) → Envoy `FractionalPercent` at per-million precision. */

export interface FractionalPercent {
  readonly numerator: number;
  readonly denominator: 'MILLION';
}

export function toFractionalPercent(percent: number): FractionalPercent {
  const clamped = Math.min(100, Math.max(0, percent));
  return { numerator: Math.round(clamped * 10_000), denominator: 'MILLION' };
}
