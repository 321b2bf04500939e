/**
 * The side-by-side section of BENCHMARKS.md, from the summaries in bench/results.json (one per
 * side and scoping variant): every measurement with the reconciler's and each istiod's median
 * (min–max) and the reconciler/istiod ratio of the medians.
 */
import { Side, SIDES } from './control-plane';
import { ratio, Spread } from './summary';

type Range = Pick<Spread, 'median' | 'min' | 'max'>;

/** A summarized figure as report.js keeps it in results.json. */
export interface SideSummary {
  /** When the variant ran (YYYY-MM-DD); report.js keeps a variant a later run did not include. */
  readonly date?: string;
  readonly params: Record<string, number | string>;
  readonly runs: number;
  readonly measurements: Record<string, Range & { readonly unit: string }>;
  readonly notes: Record<string, number | string>[];
}

export interface ComparedMeasurement {
  readonly name: string;
  readonly unit: string;
  readonly sides: Partial<Record<Side, Range>>;
  /** reconciler median / istiod median, per istiod variant. */
  readonly ratios: Partial<Record<Exclude<Side, 'reconciler'>, number>>;
}

/** One variant of the run: Sidecar scoping or none, at one number of proxies. */
export interface Comparison {
  readonly scoping: string;
  readonly proxies: number;
  /** Empty for the first (main) variant; otherwise what sets it apart, e.g. "sidecar-5" or "1000 proxies". */
  readonly label: string;
  /** When the variant's runs were made. */
  readonly date?: string;
  /** Repetitions per side (the reconciler's; the sides alternate, so they ran as often). */
  readonly runs: number;
  readonly measurements: ComparedMeasurement[];
}

/** What sets a variant apart; a later run replaces only the variants it includes. */
export const variantOf = (summary: Pick<SideSummary, 'params'>) => `${summary.params.scoping}\u0000${summary.params.proxies}`;

/** Variants by proxy count, unscoped before scoped, whatever order they ran in. */
function inReadingOrder(summaries: readonly SideSummary[]): SideSummary[] {
  const scoped = (summary: SideSummary) => Number(summary.params.scoping !== 'none');
  return [...summaries].sort((a, b) => Number(a.params.proxies) - Number(b.params.proxies) || scoped(a) - scoped(b)
    || String(a.params.scoping).localeCompare(String(b.params.scoping)));
}

/** The main variant, whose scale heads the section: the first unscoped one in reading order (the one every figure runs in). */
function mainVariantOf(ordered: readonly SideSummary[]): SideSummary[] {
  const main = ordered.find((summary) => summary.params.scoping === 'none') ?? ordered[0];
  return main ? ordered.filter((summary) => variantOf(summary) === variantOf(main)) : [];
}

export function compare(summaries: readonly SideSummary[]): Comparison[] {
  const ordered = inReadingOrder(summaries);
  const variants = [...new Set(ordered.map(variantOf))];
  const mainProxies = Number(mainVariantOf(ordered)[0]?.params.proxies ?? 0);
  return variants.map((variant) => {
    const ofVariant = ordered.filter((summary) => variantOf(summary) === variant);
    const scoping = String(ofVariant[0].params.scoping);
    const proxies = Number(ofVariant[0].params.proxies);
    const label = [scoping === 'none' ? '' : scoping, proxies === mainProxies ? '' : `${proxies} proxies`].filter(Boolean).join(', ');
    const names = [...new Set(ofVariant.flatMap((summary) => Object.keys(summary.measurements)))];
    return {
      measurements: names.map((name) => {
        const sides: Partial<Record<Side, Range>> = {};
        for (const summary of ofVariant) {
          if (summary.measurements[name]) sides[summary.params.side as Side] = summary.measurements[name];
        }
        const ratios: ComparedMeasurement['ratios'] = {};
        for (const istiod of ['istiod-default', 'istiod-tuned'] as const) {
          const value = sides.reconciler && sides[istiod] ? ratio(sides.reconciler.median, sides[istiod]!.median) : undefined;
          if (value !== undefined) ratios[istiod] = value;
        }
        return { name, unit: ofVariant.find((summary) => summary.measurements[name])!.measurements[name].unit, sides, ratios };
      }),
      scoping, proxies, label, date: ofVariant[0].date,
      runs: (ofVariant.find((summary) => summary.params.side === 'reconciler') ?? ofVariant[0]).runs,
    };
  });
}

function format(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cell(value: Range | undefined): string {
  return value ? `${format(value.median)} (${format(value.min)}–${format(value.max)})` : '—';
}

function ratioCell(value: number | undefined): string {
  if (value === undefined) return '—';
  const text = `${value.toFixed(2)}×`;
  return value > 1 ? `**${text}**` : text;
}

/** `reportDate`: the date of the report; a variant that ran earlier says so under its heading. */
export function sideBySideMarkdown(summaries: readonly SideSummary[], reportDate?: string): string[] {
  if (summaries.length === 0) return [];
  const main = mainVariantOf(inReadingOrder(summaries));
  const { params } = main[0];
  const runs = main.find((summary) => summary.params.side === 'reconciler')?.runs ?? main[0].runs;
  const lines = [
    `Scale: services=${params.services}, proxies=${params.proxies}, ${params.edits} edits per run, idle window ${params.idleSeconds} s`
      + (params.churnSeconds ? `, endpoint churn ${params.churnRate}/s for ${params.churnSeconds} s` : '') + '; '
      + `${runs} alternating runs per side. Cells: median (min–max); ratio = reconciler / istiod median (below 1: the reconciler takes less; **bold**: it trails).`,
    '',
  ];
  for (const comparison of compare(summaries)) {
    const scoping = comparison.scoping === 'none' ? 'No Sidecar scoping' : `Sidecar scoping (${comparison.scoping.replace('sidecar-', '')} dependencies)`;
    lines.push(`### ${scoping}, ${comparison.proxies} proxies`, '');
    if (comparison.date && reportDate && comparison.date !== reportDate) lines.push(`Run on ${comparison.date}, not re-run since.`, '');
    if (comparison.runs !== runs) lines.push(`${comparison.runs} alternating ${comparison.runs === 1 ? 'run' : 'runs'} per side.`, '');
    lines.push('| measurement | unit | reconciler | istiod default | ratio | istiod tuned | ratio |', '|---|---|---|---|---|---|---|');
    for (const entry of comparison.measurements) {
      lines.push(`| ${entry.name} | ${entry.unit} | ${cell(entry.sides.reconciler)} | ${cell(entry.sides['istiod-default'])} | ${ratioCell(entry.ratios['istiod-default'])} | ${cell(entry.sides['istiod-tuned'])} | ${ratioCell(entry.ratios['istiod-tuned'])} |`);
    }
    lines.push('');
  }
  const notesOf = (side: Side) => summaries.filter((summary) => summary.params.side === side).flatMap((summary) => summary.notes);
  const auth = notesOf('reconciler').find((notes) => notes.tokenReviewP50Ms !== undefined);
  if (auth) {
    lines.push('Counted apart (the reconciler reviews every stream\'s token and issues a certificate per proxy; istiod\'s plaintext port does neither): '
      + `TokenReview p50 ${auth.tokenReviewP50Ms} ms, p99 ${auth.tokenReviewP99Ms} ms against the same API server, one at a time `
      + `(${auth.tokenReviewsSerialSeconds} s for all proxies in series); one workload certificate ${auth.certificateCpuMs} CPU ms `
      + `(${auth.certificatesCpuSeconds} CPU s for all proxies), timed in the harness with the reconciler's own CA code. `
      + 'Both are included in the reconciler\'s cold-connect wall and CPU above.', '');
  }
  const realEnvoy = SIDES.map((side) => [side, notesOf(side).find((notes) => notes.realEnvoy)?.realEnvoy] as const).filter(([, text]) => text);
  if (realEnvoy.length > 0) lines.push(`One real Envoy per side, with a simulated proxy's node and token: ${realEnvoy.map(([side, text]) => `${side}: ${text}`).join('; ')}.`, '');
  const kubectl = SIDES.map((side) => [side, notesOf(side).find((notes) => notes.kubectlApplyMs !== undefined)?.kubectlApplyMs] as const).filter(([, ms]) => ms !== undefined);
  if (kubectl.length > 0) lines.push(`Edit latency runs from the start of \`kubectl apply\` to the last proxy's route ACK; the kubectl call itself took (median, first run) ${kubectl.map(([side, ms]) => `${side} ${ms} ms`).join(', ')}.`, '');
  const loads = summaries.filter((summary) => !reportDate || !summary.date || summary.date === reportDate).flatMap((summary) => summary.notes).map((notes) => notes.loadavg).filter(Boolean);
  if (loads.length > 0) lines.push(`Machine load average (1/5/15 min) at the end of each run: from ${loads[0]} to ${loads[loads.length - 1]}.`, '');
  return lines;
}

/** One line each for where the reconciler leads and trails tuned istiod (the stronger opponent), by ratio. */
export function leadTrailLines(summaries: readonly SideSummary[]): string[] {
  const lead: string[] = [];
  const trail: string[] = [];
  for (const comparison of compare(summaries)) {
    for (const entry of comparison.measurements) {
      const value = entry.ratios['istiod-tuned'];
      if (value === undefined) continue;
      const label = `${entry.name}${comparison.label ? ` (${comparison.label})` : ''} ${value.toFixed(2)}×`;
      (value <= 1 ? lead : trail).push(label);
    }
  }
  return [
    `- **Ahead of tuned istiod** (ratio ≤ 1): ${lead.join(', ') || 'nowhere'}.`,
    `- **Behind tuned istiod**: ${trail.join(', ') || 'nowhere'}.`,
  ];
}
