/**
 * Where rollout records are kept between runs. Directory mode writes one JSON file in the data
 * directory; a Kubernetes store (a ConfigMap the reconciler owns, written by the Lease holder)
 * can implement the same two calls. `save` resolves only once the state is durable: the
 * controller serves a new weight after saving it, so a restart never advances a step twice.
 */
import { readJsonStateFile, writeJsonStateFile } from '../config/json-state-file';
import { ROLLOUT_PHASES, RolloutRecord } from './rollout-record';

export interface RolloutStateStore {
  /** Quoted in logs, e.g. `file /var/lib/cdk8s-mesh/rollouts.json`. */
  readonly description: string;
  /** The records saved last; empty when none were saved yet. */
  load(): Promise<RolloutRecord[]>;
  /** Replaces the saved records. */
  save(records: readonly RolloutRecord[]): Promise<void>;
}

const FORMAT_VERSION = 1;

export class FileRolloutStateStore implements RolloutStateStore {
  readonly description: string;

  constructor(private readonly file: string) {
    this.description = `file ${file}`;
  }

  async load(): Promise<RolloutRecord[]> {
    const saved = await readJsonStateFile(this.file);
    return saved === undefined ? [] : parseRolloutRecords(saved, this.description);
  }

  async save(records: readonly RolloutRecord[]): Promise<void> {
    // Durable before the rename: the new weight is served only after this resolves.
    await writeJsonStateFile(this.file, { version: FORMAT_VERSION, rollouts: records }, { durable: true });
  }
}

/** Reads `{ version, rollouts: [...] }`, naming the store and the entry that is not a record. */
export function parseRolloutRecords(value: unknown, description: string): RolloutRecord[] {
  const fix = 'delete it and every declared rollout starts again at step 1';
  const saved = value as { version?: unknown; rollouts?: unknown } | null;
  if (typeof saved !== 'object' || saved === null || saved.version !== FORMAT_VERSION || !Array.isArray(saved.rollouts)) {
    throw new Error(`${description} does not hold rollout state of format ${FORMAT_VERSION}; ${fix}`);
  }
  return saved.rollouts.map((entry: unknown, index) => {
    const record = entry as Partial<RolloutRecord> | null;
    if (typeof record?.key !== 'string' || typeof record.planDigest !== 'string' || !ROLLOUT_PHASES.includes(record.phase!)
      || typeof record.step !== 'number' || typeof record.weight !== 'number' || typeof record.stepStartedAt !== 'number'
      || typeof record.message !== 'string' || !Array.isArray(record.history)) {
      throw new Error(`${description}: rollouts[${index}] is not a rollout record; ${fix}`);
    }
    return record as RolloutRecord;
  });
}
