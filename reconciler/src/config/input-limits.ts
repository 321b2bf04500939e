/**
 * The most the reconciler reads from its input. Each limit is checked before the expensive step it
 * protects (a file's size before it is read, a document's size before it is parsed), so one oversized
 * or hostile file costs little and is reported rather than exhausting memory or blocking the process.
 */

/** A config file larger than this is not read; its previous version stays served. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** More `---` documents than this in one file: the file is not served. */
export const MAX_DOCUMENTS_PER_FILE = 20_000;

/**
 * One document's YAML text: 1.5 MiB, the size etcd (and so the Kubernetes API server) accepts for
 * one object; a document over it is not parsed.
 */
export const MAX_DOCUMENT_BYTES = 1.5 * 1024 * 1024;

/** `metadata.name` and `metadata.namespace`: a DNS subdomain, as Kubernetes limits names of most kinds. */
export const MAX_NAME_LENGTH = 253;

export interface InputLimits {
  readonly maxFileBytes: number;
  readonly maxDocumentsPerFile: number;
  readonly maxDocumentBytes: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxFileBytes: MAX_FILE_BYTES,
  maxDocumentsPerFile: MAX_DOCUMENTS_PER_FILE,
  maxDocumentBytes: MAX_DOCUMENT_BYTES,
};

/** `16 MiB`, `1.5 MiB`, `812 bytes`: sizes as the limits above are documented. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}
