/**
 * What an unquoted YAML scalar means to kubectl: go-yaml v2's YAML 1.1 reading (through
 * sigs.k8s.io/yaml), not YAML 1.2's. `yes`/`on`/`y` are booleans, `0777` is octal, `0o17`, `0x1F`
 * and `0b101` are integers (Go's base prefixes), `1_000` is 1000; but `1:20` is the string "1:20"
 * (no base-60 numbers) and timestamps stay strings.
 */

export type ScalarValue = null | boolean | number | string;

/** A YAML value that JSON cannot hold (`.nan`, `.inf`): kubectl fails to convert the document. */
export class UnrepresentableScalar {
  constructor(readonly text: string) {}
}

/** A scalar whose explicit tag contradicts its text (`!!int abc`): kubectl refuses the document. */
export class ScalarTagMismatch {
  constructor(readonly text: string, readonly resolvedTag: string, readonly tag: string) {}
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NOT_A_NUMBER = new Set(['.nan', '.NaN', '.NAN']);
const INFINITIES = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF']);

/** go-yaml's float shape, tried after the integer forms. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** Go's `strconv.ParseFloat` for a text starting with a dot (go-yaml's other float path). */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

export const STR_TAG = 'tag:yaml.org,2002:str';
const BOOL_TAG = 'tag:yaml.org,2002:bool';
const INT_TAG = 'tag:yaml.org,2002:int';
const FLOAT_TAG = 'tag:yaml.org,2002:float';
const NULL_TAG = 'tag:yaml.org,2002:null';
export const BINARY_TAG = 'tag:yaml.org,2002:binary';
const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';
export const MERGE_TAG = 'tag:yaml.org,2002:merge';
const RESOLVABLE_TAGS = new Set([STR_TAG, BOOL_TAG, INT_TAG, FLOAT_TAG, NULL_TAG, TIMESTAMP_TAG]);

interface Resolved {
  readonly tag: string;
  readonly value: ScalarValue | UnrepresentableScalar;
  /** The exact integer, for keys (which kubectl writes in decimal) beyond 2^53. */
  readonly integer?: bigint;
}

/** The meaning of an unquoted scalar without a tag. */
export function resolvePlainScalar(text: string): Resolved {
  if (NULLS.has(text)) return { tag: NULL_TAG, value: null };
  if (TRUES.has(text)) return { tag: BOOL_TAG, value: true };
  if (FALSES.has(text)) return { tag: BOOL_TAG, value: false };
  if (NOT_A_NUMBER.has(text) || INFINITIES.has(text)) return { tag: FLOAT_TAG, value: new UnrepresentableScalar(text) };
  const first = text[0];
  if (first === '.') {
    return DOT_FLOAT.test(text) ? { tag: FLOAT_TAG, value: Number(text) } : { tag: STR_TAG, value: text };
  }
  if (!/[0-9+-]/.test(first)) return { tag: STR_TAG, value: text };
  const plain = text.replace(/_/g, '');
  const integer = parseGoInteger(plain);
  if (integer !== undefined) return { tag: INT_TAG, value: Number(integer), integer };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const float = Number(plain);
    // Go's ParseFloat fails on overflow, and go-yaml then keeps the text.
    if (Number.isFinite(float)) return { tag: FLOAT_TAG, value: float };
  }
  return { tag: STR_TAG, value: text };
}

/**
 * A scalar as kubectl decodes it: quoted and block scalars are strings, an explicit standard tag
 * forces (and must agree with) the type, an unknown tag (`!custom`) leaves the text.
 */
export function resolveScalar(text: string, plain: boolean, tag: string | undefined): Resolved | ScalarTagMismatch {
  if (tag === undefined || tag === '!') return plain ? resolvePlainScalar(text) : { tag: STR_TAG, value: text };
  if (tag === STR_TAG) return { tag: STR_TAG, value: text };
  if (tag === BINARY_TAG) return { tag: BINARY_TAG, value: decodeBinary(text) };
  if (!RESOLVABLE_TAGS.has(tag)) return { tag, value: text };
  const resolved = resolvePlainScalar(text);
  if (resolved.tag === tag) return resolved;
  if (tag === FLOAT_TAG && resolved.tag === INT_TAG) return { tag: FLOAT_TAG, value: resolved.value };
  // A timestamp-shaped text stays a string in kubectl's untyped decoding.
  if (tag === TIMESTAMP_TAG && isGoYamlTimestamp(text)) return { tag: TIMESTAMP_TAG, value: text };
  return new ScalarTagMismatch(text, resolved.tag, tag);
}

/** Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`: base prefixes 0x, 0o, 0b and a leading 0 for octal. */
function parseGoInteger(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, digits] = match;
  let magnitude: bigint;
  if (/^0[oO]/.test(digits)) magnitude = BigInt(`0o${digits.slice(2)}`);
  else if (/^0[0-7]+$/.test(digits)) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits.toLowerCase());
  const value = sign === '-' ? -magnitude : magnitude;
  if (value >= INT64_MIN && value <= INT64_MAX) return value;
  // ParseUint takes no sign.
  return sign === '' && value <= UINT64_MAX ? value : undefined;
}

/** go-yaml's timestamp forms (RFC 3339 with short fields, space-separated, or a bare date). */
function isGoYamlTimestamp(text: string): boolean {
  return /^\d{4}-\d{1,2}-\d{1,2}([Tt ]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text);
}

function decodeBinary(text: string): string {
  return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
}

/**
 * A map key as sigs.k8s.io/yaml writes it into JSON: integers in decimal, booleans as `true`/`false`,
 * floats in Go's shortest 32-bit `%g` form. Null and unsigned 64-bit keys have no JSON form.
 */
export function keyString(resolved: Resolved): string | undefined {
  const value = resolved.value;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (resolved.integer !== undefined) return resolved.integer <= INT64_MAX ? resolved.integer.toString() : undefined;
  if (typeof value === 'number') return goFloat32String(value);
  if (value instanceof UnrepresentableScalar) return value.text.startsWith('-') ? '-.inf' : /nan/i.test(value.text) ? '.nan' : '.inf';
  return undefined;
}

/** `strconv.FormatFloat(x, 'g', -1, 32)`: the shortest digits that round-trip as float32, exponent form from 1e6 and below 1e-4. */
function goFloat32String(value: number): string {
  const single = Math.fround(value);
  if (single === 0) return Object.is(single, -0) ? '-0' : '0';
  let digits = '';
  for (let precision = 1; precision <= 9; precision += 1) {
    digits = single.toPrecision(precision);
    if (Math.fround(Number(digits)) === single) break;
  }
  const [mantissa, exponentText] = Number(digits).toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(Number(digits));
}
