/**
 * Where rollout records are kept between runs. Directory mode writes one JSON file in the data
 * directory; Kubernetes mode a ConfigMap the reconciler owns, written by the Lease holder
 * (configmap-rollout-state-store.ts). `save` resolves only once the state is durable: the
 * controller serves a new weight after saving it, so a restart never advances a step twice.
 */
import { readJsonStateFile, writeJsonStateFile } from '../config/json-state-file';
import { ROLLOUT_PHASES, RolloutRecord } from './rollout-record';

export interface RolloutStateStore {
  /** Quoted in logs, e.g. `file /var/lib/cdk8s-mesh/rollouts.json`. */
  readonly description: string;
  /** The records saved last; empty when none were saved yet. */
  load(): Promise<RolloutRecord[]>;
  /** Replaces the saved records; fails with {@link RolloutStateConflict} when another writer saved since the last load or save. */
  save(records: readonly RolloutRecord[]): Promise<void>;
  /**
   * Calls `onRecords` whenever the saved records change (replicas that do not execute rollouts
   * follow the one that does); returns the function that stops watching. Absent: nothing to follow.
   */
  watch?(onRecords: (records: RolloutRecord[]) => void): () => Promise<void>;
}

/** The saved state changed under this writer: what it meant to save is based on stale records. */
export class RolloutStateConflict extends Error {}

export const ROLLOUT_STATE_FORMAT_VERSION = 1;
const FORMAT_VERSION = ROLLOUT_STATE_FORMAT_VERSION;

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
