/**
 * Asks kubectl's own YAML reading (the Go program in `kubectl-yaml/`, built from the Go module proxy
 * by `scripts/test-binaries/ensure.sh` and cached by version) what a set of files mean.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';

export interface KubectlRead {
  readonly name: string;
  /** Every object kubectl would apply, Lists flattened. */
  readonly objects: readonly Record<string, unknown>[];
  /** `error parsing …` stops the file; other errors are about one object. */
  readonly errors: readonly string[];
}

const ENSURE = path.resolve(__dirname, '../../../scripts/test-binaries/ensure.sh');

/** Builds the oracle on first use (about a minute on a fresh machine), then reuses the cached binary. */
export function kubectlYamlBinary(): string {
  const output = execFileSync('bash', [ENSURE, 'kubectl-yaml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = output.split('\n').find((entry) => entry.startsWith('kubectl-yaml='));
  if (!line) throw new Error(`ensure.sh printed no kubectl-yaml path:\n${output}`);
  return line.slice('kubectl-yaml='.length);
}

export function readWithKubectl(binary: string, files: readonly { name: string; yaml: string }[]): Map<string, KubectlRead> {
  const output = execFileSync(binary, [], { input: JSON.stringify(files), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return new Map((JSON.parse(output) as KubectlRead[]).map((read) => [read.name, read]));
}

/** kubectl stopped reading the file (as opposed to refusing one object of it). */
export function kubectlStoppedReading(read: KubectlRead): boolean {
  return read.errors.some((error) => error.startsWith('error parsing'));
}
