/**
 * A finding of the validation page: a stable code (documented in the README, never reused), a
 * severity, the object it is about, what is wrong and the fix. Errors are config the proxies do
 * not run (rejected at ingest, refused by a proxy); warnings are accepted config that probably
 * does not do what was meant; info is config that is read but not served.
 */
export type ValidationSeverity = 'error' | 'warning' | 'info';

export const VALIDATION_CODES = {
  rejectedObject: 'MESH0001',
  nackedConfig: 'MESH0002',
  ignoredObject: 'MESH0003',
  subsetWithoutEndpoints: 'MESH0101',
  unusedSubset: 'MESH0102',
  serviceWithoutProxy: 'MESH0103',
  plaintextOnStrict: 'MESH0104',
  virtualServiceUnknownHost: 'MESH0105',
} as const;

export type ValidationCode = typeof VALIDATION_CODES[keyof typeof VALIDATION_CODES];

export interface Validation {
  readonly code: ValidationCode;
  readonly severity: ValidationSeverity;
  /** `<Kind> <namespace>/<name>`, or the file for a document that could not be read. */
  readonly object: string;
  readonly namespace?: string;
  readonly message: string;
  readonly fix: string;
}

export const objectLabel = (kind: string, namespace: string | undefined, name: string | undefined) =>
  `${kind} ${namespace ?? 'default'}/${name ?? '?'}`;
