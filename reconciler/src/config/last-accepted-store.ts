/**
 * Where the reconciler keeps the last accepted version of every object it serves in place of the
 * current (rejected) one, so that a restarted replica serves exactly what the running replicas
 * serve instead of falling back to nothing for that object. Only these held-back objects are
 * stored: everything else is read again from the source.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { MeshObject } from '../push/contract';

export interface LastAcceptedStore {
  /** Quoted in logs, e.g. `ConfigMap mesh-system/mesh-last-accepted`. */
  readonly description: string;
  /** The held-back objects saved last; empty when nothing was saved yet. */
  load(): Promise<MeshObject[]>;
  /** Replaces the saved set. */
  save(objects: readonly MeshObject[]): Promise<void>;
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

  async load(): Promise<MeshObject[]> {
    const text = await fs.promises.readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return [];
    return parseHeldObjects(JSON.parse(text) as unknown, this.description);
  }

  async save(objects: readonly MeshObject[]): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    const entries = Object.fromEntries(objects.map((object) => [heldObjectKey(object), object]));
    await fs.promises.writeFile(temp, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
    await fs.promises.rename(temp, this.file);
  }
}

/** Reads `{ key: object }`, dropping (and naming) entries that are not objects with a kind and name. */
export function parseHeldObjects(value: unknown, description: string): MeshObject[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${description} does not hold a map of objects; delete it and the reconciler writes it again`);
  }
  return Object.entries(value as Record<string, unknown>).map(([key, object]) => {
    const candidate = object as MeshObject | undefined;
    if (typeof candidate?.kind !== 'string' || typeof candidate?.metadata?.name !== 'string') {
      throw new Error(`${description}: entry '${key}' is not a Kubernetes object; delete the entry and the reconciler writes it again`);
    }
    return candidate;
  });
}
