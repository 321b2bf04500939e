/**
 * A config source delivers the whole current set of mesh documents whenever it changes; the
 * reconciler re-ingests the set atomically, so a source never hands out a half-applied change.
 */

import type { YamlDocument } from './yaml/kubectl-yaml';

/** One file or API object list as text; `source` is quoted in every rejection. */
export interface ConfigDocument {
  readonly source: string;
  readonly text: string;
  /** `text` already read (the directory source reads files in slices); ingest reads `text` when absent. */
  readonly parsed?: readonly YamlDocument[];
  /** One API object rather than a file: its origin is the object itself, with no document number or line. */
  readonly apiObject?: boolean;
}

/** A document the source could not use this time; the previous good version of it is still served. */
export interface SourceProblem {
  readonly source: string;
  readonly reason: string;
}

export interface ConfigUpdate {
  readonly documents: readonly ConfigDocument[];
  readonly problems: readonly SourceProblem[];
  /** Why this update happened, e.g. `config:initial-load` or `config:file-changed`; carried by the push. */
  readonly reason: string;
}

export type ConfigUpdateHandler = (update: ConfigUpdate) => void;

/** How a source is doing: `/readyz` and the metrics show it. */
export interface SourceStatus {
  /** Everything needed for a complete config has been read at least once. */
  readonly ready: boolean;
  /** Per watched collection (Kubernetes mode); failures say what to fix. */
  readonly watches: readonly WatchHealth[];
}

/** One watched collection's health (the shape of the Kubernetes source's ResourceWatchStatus). */
export interface WatchHealth {
  readonly name: string;
  readonly synced: boolean;
  readonly consecutiveFailures: number;
  readonly failuresTotal: number;
  readonly lastError?: string;
}

export interface ConfigSource {
  /** Loads once, calls `onUpdate` with the first set before resolving, then on every change. */
  start(onUpdate: ConfigUpdateHandler): Promise<void>;
  stop(): Promise<void>;
  /** Where the source stands; sources without watches may omit it. */
  status?(): SourceStatus;
}
