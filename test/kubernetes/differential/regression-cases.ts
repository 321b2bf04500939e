/**
 * Shrunk disagreements kept as cases: a generated case that disagreed is shrunk and written to
 * `regressions/<case id>.json`; every file there is replayed with the scenario cases on every
 * run, so a fixed disagreement stays fixed. Commit the file together with the fix.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DifferentialCase } from './differential-case';
import type { ClassResult } from './differential-runner';

export const REGRESSIONS_DIR = path.join(__dirname, 'regressions');

export interface RegressionRecord extends DifferentialCase {
  /** The generated case it was shrunk from, and the seed that generated it. */
  readonly shrunkFrom: { readonly caseId: string; readonly seed: number };
  /** What each side answered when it was found. */
  readonly observed: readonly ClassResult[];
}

function problem(file: string, detail: string): Error {
  return new Error(`${file}: ${detail}; a regression case needs id, description, objects (Istio objects) and requests (name, request.path, request.authority, repeat)`);
}

function asRegression(file: string, parsed: unknown): RegressionRecord {
  if (parsed === null || typeof parsed !== 'object') throw problem(file, 'not a JSON object');
  const record = parsed as Partial<RegressionRecord>;
  if (typeof record.id !== 'string' || !record.id.startsWith('regression-')) throw problem(file, `id ${JSON.stringify(record.id)} does not start with "regression-"`);
  if (!Array.isArray(record.objects) || record.objects.some((object) => typeof object?.kind !== 'string')) throw problem(file, 'objects is not a list of Kubernetes objects');
  if (!Array.isArray(record.requests) || record.requests.length === 0) throw problem(file, 'requests is empty');
  for (const [index, entry] of record.requests.entries()) {
    if (typeof entry?.name !== 'string' || typeof entry.request?.path !== 'string' || typeof entry.request?.authority !== 'string' || !(entry.repeat >= 1)) {
      throw problem(file, `requests[${index}] is incomplete`);
    }
  }
  return record as RegressionRecord;
}

/** Every regression case in `dir`, by file name; none when the directory does not exist. */
export function loadRegressionCases(dir: string = REGRESSIONS_DIR): RegressionRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((name) => name.endsWith('.json')).sort().map((name) => {
    const file = path.join(dir, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw problem(file, `not valid JSON (${(error as Error).message})`);
    }
    return asRegression(file, parsed);
  });
}

/** Writes the shrunk case as `<dir>/<case id>.json` and returns the file. */
export function saveRegressionCase(dir: string, shrunk: DifferentialCase, seed: number, observed: readonly ClassResult[]): string {
  const record: RegressionRecord = {
    ...shrunk,
    id: `regression-${shrunk.id}`,
    description: `shrunk from ${shrunk.id} (seed ${seed}): ${shrunk.description}`,
    shrunkFrom: { caseId: shrunk.id, seed },
    observed,
  };
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${shrunk.id}.json`);
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
