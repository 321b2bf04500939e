/**
 * Where the reconciler keeps the last accepted version of every object it serves, so that a
 * restarted replica serves exactly what the running replicas serve (or served before all stopped)
 * when an object's stored version is rejected, instead of falling back to nothing for it. A valid
 * version in the source always wins over the saved one; saved objects the source no longer has
 * are not served.
 */
import { readJsonStateFile, writeJsonStateFile } from './json-state-file';
import type { ServedVersion } from './last-good';
import type { MeshObject } from '../push/contract';

export interface LastAcceptedStore {
  /** Quoted in logs, e.g. `ConfigMap mesh-system/mesh-last-accepted`. */
  readonly description: string;
  /** The versions saved last (with where each was defined); empty when nothing was saved yet. */
  load(): Promise<ServedVersion[]>;
  /** Replaces the saved set. */
  save(versions: readonly ServedVersion[]): Promise<void>;
}

/** The key of an object in a store: `Kind.namespace.name`, valid as a ConfigMap key and a file entry. */
export function heldObjectKey(object: Pick<MeshObject, 'kind' | 'metadata'>): string {
  return `${object.kind}.${object.metadata.namespace ?? 'default'}.${object.metadata.name}`;
}

/** Directory mode: one JSON file in the data directory, written atomically. */
export class FileLastAcceptedStore implements LastAcceptedStore {
  readonly description: string;

  constructor(private readonly file: string) {
    this.description = `file ${file}`;
  }

  async load(): Promise<ServedVersion[]> {
    const saved = await readJsonStateFile(this.file);
    return saved === undefined ? [] : parseHeldObjects(saved, this.description);
  }

  async save(versions: readonly ServedVersion[]): Promise<void> {
    await writeJsonStateFile(this.file, Object.fromEntries(versions.map((version) => [heldObjectKey(version.object), version])));
  }
}

/** Reads `{ key: { object, origin } }`, refusing (and naming) an entry that is not one. */
export function parseHeldObjects(value: unknown, description: string): ServedVersion[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${description} does not hold a map of objects; delete it and the reconciler writes it again`);
  }
  return Object.entries(value as Record<string, unknown>).map(([key, entry]) => {
    const candidate = entry as { object?: MeshObject; origin?: { source?: unknown } } | undefined;
    const object = candidate?.object;
    if (typeof object?.kind !== 'string' || typeof object?.metadata?.name !== 'string' || typeof candidate?.origin?.source !== 'string') {
      throw new Error(`${description}: entry '${key}' is not a Kubernetes object with its origin; delete the entry and the reconciler writes it again`);
    }
    return candidate as ServedVersion;
  });
}
