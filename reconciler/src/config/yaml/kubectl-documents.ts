/**
 * Splits a file into documents the way kubectl's reader does before any YAML is parsed: a stream
 * that starts with `{` is read as concatenated JSON objects; otherwise every line that starts with
 * `---` ends a document, and that line may carry nothing but a comment (`--- {a: 1}` is an error).
 * Because the split is a line scan, the size and count limits are checked before anything is parsed.
 */
import { cutForMessage } from '../../model';
import { formatBytes, InputLimits } from '../input-limits';

export interface DocumentText {
  readonly text: string;
  /** 1-based line of the file where the document starts. */
  readonly line: number;
  /** Set for a document of a JSON stream: its value, already parsed. */
  readonly json?: { readonly value: unknown };
}

export type DocumentSplit =
  | { readonly documents: readonly DocumentText[]; readonly problem?: undefined }
  | { readonly problem: string; readonly documents?: undefined };

export function splitDocuments(text: string, limits: InputLimits): DocumentSplit {
  const documents: DocumentText[] = [];
  let rest = { text, line: 1 };
  if (/^\s*\{/.test(text)) {
    const json = splitJsonStream(text);
    if (json.problem) return { problem: json.problem };
    documents.push(...json.documents);
    rest = json.rest;
  }
  const yaml = splitYamlStream(rest.text, rest.line);
  if (yaml.problem !== undefined) return { problem: yaml.problem };
  documents.push(...yaml.documents);
  if (documents.length > limits.maxDocumentsPerFile) {
    return { problem: `has ${documents.length} documents; the limit is ${limits.maxDocumentsPerFile} per file; split it into several files` };
  }
  for (const [index, document] of documents.entries()) {
    const bytes = Buffer.byteLength(document.text);
    if (bytes > limits.maxDocumentBytes) {
      return { problem: `document ${index + 1} (line ${document.line}) is ${formatBytes(bytes)}; one object may be at most ${formatBytes(limits.maxDocumentBytes)}, as in Kubernetes; split the object or move data out of it` };
    }
  }
  return { documents };
}

function splitYamlStream(text: string, firstLine: number): DocumentSplit {
  const documents: DocumentText[] = [];
  let start = 0;
  let startLine = firstLine;
  let position = 0;
  let line = firstLine;
  while (position < text.length) {
    const newline = text.indexOf('\n', position);
    const end = newline === -1 ? text.length : newline + 1;
    if (text.startsWith('---', position)) {
      const trailing = text.slice(position + 3, end).trim();
      if (trailing.length > 0 && !trailing.startsWith('#')) {
        return { problem: `line ${line}: a document separator '---' may only be followed by a comment, not '${cutForMessage(trailing)}' (kubectl refuses it); put the content on the next line` };
      }
      if (position > start) documents.push({ text: text.slice(start, position), line: startLine });
      start = end;
      startLine = line + 1;
    }
    position = end;
    line += 1;
  }
  if (text.length > start) documents.push({ text: text.slice(start), line: startLine });
  return { documents };
}

interface JsonSplit {
  readonly documents: DocumentText[];
  readonly rest: { readonly text: string; readonly line: number };
  readonly problem?: string;
}

/**
 * kubectl reads JSON objects until one fails to decode; after one object it may still switch to YAML
 * for the rest, after two it reports the error.
 */
const LEADING_WHITESPACE = /\s*/y;

function splitJsonStream(text: string): JsonSplit {
  const documents: DocumentText[] = [];
  let position = 0;
  let line = 1;
  for (;;) {
    LEADING_WHITESPACE.lastIndex = position;
    LEADING_WHITESPACE.exec(text);
    const start = LEADING_WHITESPACE.lastIndex;
    const startLine = line + countNewlines(text.slice(position, start));
    if (start >= text.length) return { documents, rest: { text: '', line: startLine } };
    const end = text[start] === '{' || text[start] === '[' ? jsonValueEnd(text, start) : undefined;
    const value = end === undefined ? undefined : parseJson(text.slice(start, end));
    if (value === undefined) {
      if (documents.length > 1) {
        return { documents, rest: { text: '', line: startLine }, problem: `line ${startLine}: is not valid JSON after ${documents.length} JSON objects; fix the JSON` };
      }
      // The rest, from the start of its line, is YAML.
      return { documents, rest: { text: text.slice(position), line } };
    }
    documents.push({ text: text.slice(start, end), line: startLine, json: { value } });
    line = startLine + countNewlines(text.slice(start, end));
    position = end!;
  }
}

/** The index after the JSON object or array starting at `start`, or undefined when it never closes. */
function jsonValueEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function countNewlines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count += 1;
  return count;
}
