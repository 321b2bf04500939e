import type Ajv from 'ajv';

// The `format` values Istio's CRDs use. Integer formats are range-checked because Envoy
// rejects (or silently truncates) values that overflow the proto field; formats the API
// server does not know are ignored, as it ignores them too.

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function inRange(range: { min: number; max: number }) {
  return (value: number) => Number.isInteger(value) && value >= range.min && value <= range.max;
}

const NUMBER_FORMATS: Record<string, (value: number) => boolean> = {
  int32: inRange(INT32),
  uint32: inRange(UINT32),
  int64: (value) => Number.isSafeInteger(value),
  uint64: (value) => Number.isSafeInteger(value) && value >= 0,
  double: (value) => Number.isFinite(value),
  float: (value) => Number.isFinite(value),
};

const STRING_FORMATS: Record<string, (value: string) => boolean> = {
  'date-time': (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)),
  'byte': (value) => BASE64.test(value),
};

export const KNOWN_FORMATS: ReadonlySet<string> = new Set([...Object.keys(NUMBER_FORMATS), ...Object.keys(STRING_FORMATS)]);

export function addKubernetesFormats(ajv: Ajv): void {
  for (const [name, validate] of Object.entries(NUMBER_FORMATS)) {
    ajv.addFormat(name, { type: 'number', validate });
  }
  for (const [name, validate] of Object.entries(STRING_FORMATS)) {
    ajv.addFormat(name, { type: 'string', validate });
  }
}
