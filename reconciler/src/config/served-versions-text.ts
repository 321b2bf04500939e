/**
 * The text of a set of served versions (what the last-accepted store compares and saves), and its
 * length without writing it: at 1 000 services the whole set is about 1.7 MB of JSON, and every
 * config change asked whether it still fits the store. An object's text length is kept per object,
 * which ingest reuses while its source is unchanged.
 */
import type { MeshObject } from '../push/contract';
import type { ServedVersion } from './last-good';

const objectTextLength = new WeakMap<MeshObject, number>();
const OBJECT_FIELD = '{"object":'.length;
const ORIGIN_FIELD = ',"origin":'.length;

export function servedVersionsText(versions: readonly ServedVersion[]): string {
  return JSON.stringify(versions);
}

/** `servedVersionsText(versions).length`, computed from cached per-object lengths. */
export function servedVersionsTextLength(versions: readonly ServedVersion[]): number {
  let length = 2 + Math.max(0, versions.length - 1);
  for (const version of versions) {
    let objectLength = objectTextLength.get(version.object);
    if (objectLength === undefined) {
      objectLength = JSON.stringify(version.object).length;
      objectTextLength.set(version.object, objectLength);
    }
    length += OBJECT_FIELD + objectLength + ORIGIN_FIELD + JSON.stringify(version.origin).length + 1;
  }
  return length;
}
