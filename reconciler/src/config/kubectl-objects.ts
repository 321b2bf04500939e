/**
 * The objects a document stands for, as kubectl flattens them: a document with an `items` list
 * (`kind: List`, `ServiceList`, any `*List` kubectl printed) is its items; an empty document is none.
 */

export interface DocumentObject {
  /** The position in the document's `items`, for a list. */
  readonly item?: number;
  readonly value: unknown;
}

export function objectsOfDocument(value: unknown): DocumentObject[] {
  if (value === null || value === undefined) return [];
  if (isRecord(value) && Array.isArray(value.items)) return value.items.map((item, index) => ({ item: index, value: item }));
  return [{ value }];
}

export function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
