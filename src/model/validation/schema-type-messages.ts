import { quoteValue } from './quote-value';

// How type errors are worded: the expected type in words, the value found with its type, and
// the YAML change that usually fixes the mismatch (quoting, unquoting, list or map syntax).

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  object: 'a map of fields',
  array: 'a list',
  null: 'null',
};

export function describeExpectedType(type: unknown): string {
  const types = (Array.isArray(type) ? type : [type]).map(String).filter((name) => name !== 'null');
  return types.map((name) => TYPE_WORDS[name] ?? name).join(' or ');
}

/** The value with what it is: `the string "5"`, `the number 5`, `a list of 2 entries`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return `a list of ${value.length} ${value.length === 1 ? 'entry' : 'entries'}: ${quoteValue(value)}`;
  }
  if (typeof value === 'object') {
    return `a map: ${quoteValue(value)}`;
  }
  if (typeof value === 'string') {
    return value === '' ? 'an empty string' : `the string ${quoteValue(value)}`;
  }
  return `the ${typeof value} ${quoteValue(value)}`;
}

export function typeFix(type: unknown, value: unknown): string | undefined {
  const types = (Array.isArray(type) ? type : [type]).map(String);
  if (types.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return `Quote it in YAML: "${String(value)}".`;
  }
  if ((types.includes('integer') || types.includes('number')) && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return `Write it without quotes: ${value.trim()}.`;
  }
  if (types.includes('integer') && typeof value === 'number') {
    return 'Use a whole number.';
  }
  if (types.includes('boolean') && typeof value === 'string' && /^(true|false|yes|no|on|off)$/i.test(value)) {
    return 'Write true or false, without quotes.';
  }
  if (types.includes('array') && !Array.isArray(value)) {
    return 'Write it as a list: one entry per line, each starting with "- ".';
  }
  if (types.includes('object') && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    return 'Write it as a map of fields ("name: value" lines indented under it).';
  }
  return undefined;
}
