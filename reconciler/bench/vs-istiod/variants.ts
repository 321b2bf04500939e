/**
 * The variants of a side-by-side run, each with runs of its own on every side:
 * - `unscoped`: every figure at --proxies (cold connect, idle, edits, endpoint churn, storm);
 * - `sidecar`: the same proxies with Istio `Sidecar` scoping to --dependencies services (cold connect and bytes);
 * - `many-proxies`: --many-proxies proxies, without scoping (cold connect, idle, storm).
 * A run may leave variants out; the report keeps the ones it did not re-run, with their date.
 */
export type Variant = 'unscoped' | 'sidecar' | 'many-proxies';
export const VARIANTS: readonly Variant[] = ['unscoped', 'sidecar', 'many-proxies'];

/** The variants to run, in run order: those named (all that the scale allows when none are), checked against the scale. */
export function chooseVariants(named: string | undefined, scale: { readonly dependencies: number; readonly manyProxies: number }): Variant[] {
  const allowed = (variant: Variant) => (variant !== 'sidecar' || scale.dependencies > 0) && (variant !== 'many-proxies' || scale.manyProxies > 0);
  if (named === undefined || named.trim() === '') return VARIANTS.filter(allowed);
  const names = named.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !VARIANTS.includes(name as Variant));
  if (unknown.length > 0) throw new Error(`--variants names ${unknown.join(', ')}; the variants are ${VARIANTS.join(', ')}`);
  if (names.includes('sidecar') && scale.dependencies === 0) throw new Error('--variants names sidecar but --dependencies is 0; give the number of services each Sidecar lists');
  if (names.includes('many-proxies') && scale.manyProxies === 0) throw new Error('--variants names many-proxies but --many-proxies is 0; give the number of proxies');
  return VARIANTS.filter((variant) => names.includes(variant));
}
