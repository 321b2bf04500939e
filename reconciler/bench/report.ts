/**
 * Turns the raw runs (one JSON line per figure run) into `bench/results.json` (min/median/max per
 * measurement, target and whether it is met, the machine) and the `BENCHMARKS.md` table. Figures
 * of an existing `results.json` that the runs do not include are kept, with the date they ran.
 *   node report.js <runs.jsonl> <results.json> <BENCHMARKS.md> <causes.md>
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import type { FigureRun } from './figures/figure';
import { findEnvoy } from './figures/real-envoy';
import { leadTrailLines, sideBySideMarkdown, variantOf } from './vs-istiod/side-by-side';
import { spread } from './vs-istiod/summary';

interface Target {
  readonly comparison: '<=' | '>=';
  readonly value: number;
  readonly text: string;
}

/** The targets, by `figure.measurement`; a measurement without one is reported for context. */
const TARGETS: Record<string, Target> = {
  'synth.constructsWall': { comparison: '<=', value: 2, text: '≤ 2 s' },
  'synth.constructsOverRaw': { comparison: '<=', value: 1.5, text: '≤ 1.5×' },
  'cold-start.reconcilerPeakRss': { comparison: '<=', value: 400, text: '≤ 400 MiB' },
  'cold-start.pushedVsRawEncode': { comparison: '>=', value: 60, text: '≥ 60 %' },
  'vs-edit.p99BeyondWindow': { comparison: '<=', value: 50, text: '≤ 50 ms' },
  'reconnect-storm.allReAckedSeconds': { comparison: '<=', value: 5, text: '≤ 5 s' },
  'scoping.reduction': { comparison: '>=', value: 10, text: '≥ 10×' },
  'telemetry.reconcilerCores': { comparison: '<=', value: 0.2, text: '≤ 0.2 cores' },
  'telemetry.extraRss': { comparison: '<=', value: 100, text: '≤ 100 MiB' },
  'telemetry.edgeQueryMs': { comparison: '<=', value: 100, text: '≤ 100 ms' },
  'telemetry.graphBuildMs': { comparison: '<=', value: 100, text: '≤ 100 ms' },
};

const TITLES: Record<string, string> = {
  'synth': '1. Synth',
  'cold-start': '2 + 7. Cold start and push ceiling',
  'vs-edit': '3. One VirtualService edit',
  'endpoint-churn': '4. Endpoint churn',
  'reconnect-storm': '5. Reconnect storm',
  'scoping': '6. Dependency scoping',
  'real-envoy': 'Real Envoy vs simulated',
  'telemetry': '8. Telemetry',
  'vs-istiod': '9. Side by side with istiod',
};

/** Figures whose runs differ by side (reconciler, istiod): rendered as one comparison table. */
const SIDE_BY_SIDE = 'vs-istiod';

interface Summary {
  readonly figure: string;
  /** When the figure ran (YYYY-MM-DD). */
  readonly date?: string;
  readonly params: Record<string, number | string>;
  readonly runs: number;
  readonly measurements: Record<string, { min: number; median: number; max: number; unit: string; target?: string; met?: boolean }>;
  readonly notes: Record<string, number | string>[];
}


function summarize(runs: FigureRun[]): Summary[] {
  const groups = new Map<string, FigureRun[]>();
  for (const run of runs) {
    const key = `${run.figure} ${JSON.stringify(run.params)}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const { figure, params } = group[0];
    const measurements: Summary['measurements'] = {};
    for (const name of Object.keys(group[0].measurements)) {
      const values = group.map((run) => run.measurements[name].value);
      const target = TARGETS[`${figure}.${name}`];
      const { median: med, min, max } = spread(values);
      measurements[name] = {
        min, median: med, max, unit: group[0].measurements[name].unit,
        ...(target ? { target: target.text, met: target.comparison === '<=' ? med <= target.value : med >= target.value } : {}),
      };
    }
    return { figure, params, runs: group.length, measurements, notes: group.map((run) => run.notes ?? {}) };
  });
}

function envoyVersion(): string {
  try {
    return execFileSync(findEnvoy(), ['--version'], { encoding: 'utf8' }).trim().split('\n').pop()!.replace(/^.*version: /, '');
  } catch {
    return 'not found';
  }
}

function machine(): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    envoy: envoyVersion(),
    os: `${os.type()} ${os.release()}`,
  };
}

function format(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function markdown(results: { date: string; machine: Record<string, string | number>; figures: Summary[] }, causes: string): string {
  const lines = [
    '# Benchmarks',
    '',
    `Run on ${results.date} with \`npm run bench\` (regenerated from \`bench/results.json\`; do not edit by hand).`,
    '',
    `Machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB; Node ${results.machine.node}; Envoy ${results.machine.envoy}; ${results.machine.os}.`,
    '',
  ];
  const sideBySide = results.figures.filter((summary) => summary.figure === SIDE_BY_SIDE);
  if (sideBySide.length > 0) {
    lines.push(`Against istiod on the same API server, mesh and simulated sidecars (section ${TITLES[SIDE_BY_SIDE]}; the causes under "Side by side with istiod: why we lead and trail"):`, '', ...leadTrailLines(sideBySide), '');
  }
  let sideBySideWritten = false;
  for (const summary of results.figures) {
    if (summary.figure === SIDE_BY_SIDE) {
      if (!sideBySideWritten) lines.push(`## ${TITLES[SIDE_BY_SIDE]}`, '', ...sideBySideMarkdown(sideBySide, results.date));
      sideBySideWritten = true;
      continue;
    }
    const params = Object.entries(summary.params).filter(([name]) => name !== 'timeoutMs').map(([name, value]) => `${name}=${value}`).join(', ');
    const ranOn = summary.date && summary.date !== results.date ? ` Run on ${summary.date}, not re-run since.` : '';
    lines.push(`## ${TITLES[summary.figure] ?? summary.figure}`, '', `Scale: ${params}; ${summary.runs} runs.${ranOn}`, '');
    lines.push('| measurement | min | median | max | unit | target | met |', '|---|---|---|---|---|---|---|');
    for (const [name, entry] of Object.entries(summary.measurements)) {
      const met = entry.met === undefined ? '' : entry.met ? 'yes' : '**no**';
      lines.push(`| ${name} | ${format(entry.min)} | ${format(entry.median)} | ${format(entry.max)} | ${entry.unit} | ${entry.target ?? ''} | ${met} |`);
    }
    const notes = summary.notes[0];
    if (Object.keys(notes).length > 0) lines.push('', `Notes (first run): ${Object.entries(notes).map(([name, value]) => `${name}=${value}`).join(', ')}.`);
    lines.push('');
  }
  lines.push(causes.trim(), '');
  return lines.join('\n');
}

/**
 * Whether a fresh run supersedes a kept summary: a figure re-run at any scale replaces it, except
 * that side-by-side variants (scoping, proxies) a run left out stay while the mesh is the same.
 */
function replacedBy(kept: Summary, fresh: readonly Summary[]): boolean {
  const sameFigure = fresh.filter((summary) => summary.figure === kept.figure);
  if (sameFigure.length === 0) return false;
  if (kept.figure !== SIDE_BY_SIDE) return true;
  if (sameFigure.some((summary) => summary.params.services !== kept.params.services)) return true;
  return sameFigure.some((summary) => variantOf(summary) === variantOf(kept));
}

function main(): void {
  const [runsFile, resultsFile, markdownFile, causesFile] = process.argv.slice(2);
  const runs = fs.readFileSync(runsFile, 'utf8').split('\n').filter((line) => line.trim().startsWith('{')).map((line) => JSON.parse(line) as FigureRun);
  // BENCH_RUN_DATE: when the runs were made, if the report is written on a later day.
  const date = process.env.BENCH_RUN_DATE ?? new Date().toISOString().slice(0, 10);
  const fresh = summarize(runs).map((summary) => ({ ...summary, date }));
  const previous = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { date: string; figures: Summary[] } : undefined;
  const kept = (previous?.figures ?? []).filter((summary) => !replacedBy(summary, fresh)).map((summary) => ({ ...summary, date: summary.date ?? previous!.date }));
  const order = Object.keys(TITLES);
  const figures = [...fresh, ...kept].sort((a, b) => order.indexOf(a.figure) - order.indexOf(b.figure));
  const results = { date, machine: machine(), figures };
  fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(markdownFile, markdown(results, fs.existsSync(causesFile) ? fs.readFileSync(causesFile, 'utf8') : ''));
}

main();
