/**
 * Reads a config file's YAML (or JSON) with the meaning `kubectl apply -f` gives it: kubectl's
 * document split, go-yaml v2's YAML 1.1 reading and sigs.k8s.io/yaml's JSON conversion, checked
 * against kubectl's own code in the tests. A file either reads as a whole or not at all (a syntax
 * error, an alias bomb, a value JSON cannot hold, a limit exceeded): its problem names the document
 * and line. Readings that a user may not expect but kubectl accepts (a key set twice) come as notes.
 */
import { Composer, LineCounter, Parser } from 'yaml';
import { cutForMessage } from '../../model';
import { DEFAULT_INPUT_LIMITS, InputLimits } from '../input-limits';
import { goYamlLexemes } from './go-yaml-lexemes';
import { documentValue, YamlNote, YamlValueProblem } from './go-yaml-values';
import { DocumentText, splitDocuments } from './kubectl-documents';

export type { YamlNote } from './go-yaml-values';

export interface YamlDocument {
  /** 0-based position among the file's documents, empty ones included. */
  readonly index: number;
  /** 1-based line of the file where the document starts. */
  readonly line: number;
  /** The JSON value; null for an empty document. */
  readonly value: unknown;
  readonly notes: readonly YamlNote[];
}

export type YamlRead =
  | { readonly documents: readonly YamlDocument[]; readonly problem?: undefined }
  | { readonly problem: string; readonly documents?: undefined };

/** Reads a whole file at once; for small texts (an API object, a test). */
export function readYamlAsKubectl(text: string, limits: InputLimits = DEFAULT_INPUT_LIMITS): YamlRead {
  const split = splitDocuments(text, limits);
  if (split.problem !== undefined) return { problem: split.problem };
  const documents: YamlDocument[] = [];
  for (const [index, document] of split.documents.entries()) {
    const read = readDocument(document, index);
    if ('problem' in read) return { problem: read.problem };
    documents.push(read);
  }
  return { documents };
}

export interface SlicedReadOptions {
  readonly limits?: InputLimits;
  /**
   * Parsing continues in one turn of the event loop until this much time has passed, then yields
   * (between documents, each bounded by the document size limit), so health checks and xDS keep
   * being answered while a large file is read. 0 yields after every document. @default 10
   */
  readonly sliceMs?: number;
  /** Called at every yield; tests observe the slicing with it. */
  readonly onYield?: () => void;
}

/** Reads a file in bounded slices of work between which other callbacks run. */
export async function readYamlAsKubectlInSlices(text: string, options: SlicedReadOptions = {}): Promise<YamlRead> {
  const split = splitDocuments(text, options.limits ?? DEFAULT_INPUT_LIMITS);
  if (split.problem !== undefined) return { problem: split.problem };
  const sliceMs = options.sliceMs ?? 10;
  const documents: YamlDocument[] = [];
  let sliceStarted = Date.now();
  for (const [index, document] of split.documents.entries()) {
    if (index > 0 && Date.now() - sliceStarted >= sliceMs) {
      options.onYield?.();
      await new Promise((resolve) => setImmediate(resolve));
      sliceStarted = Date.now();
    }
    const read = readDocument(document, index);
    if ('problem' in read) return { problem: read.problem };
    documents.push(read);
  }
  return { documents };
}

function readDocument(document: DocumentText, index: number): YamlDocument | { problem: string } {
  const where = `document ${index + 1} (line ${document.line})`;
  if (document.json) return { index, line: document.line, value: document.json.value, notes: [] };
  const lexed = goYamlLexemes(document.text);
  const lines = new LineCounter();
  if (lexed.problem !== undefined) {
    const line = document.line + (document.text.slice(0, lexed.offset).match(/\n/g)?.length ?? 0);
    return { problem: `${where} is not valid YAML for kubectl: line ${line}: ${lexed.problem}` };
  }
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0); // what `Parser.parse` does first; the lexemes are fed one by one instead
  const tokens = lexed.lexemes.flatMap((lexeme) => [...parser.next(lexeme)]);
  tokens.push(...parser.end());
  const parsed = [...new Composer({ version: '1.1', schema: 'failsafe', merge: false, uniqueKeys: false }).compose(tokens, true, document.text.length)];
  if (parsed.length > 1) {
    return { problem: `${where} has content after a '...' document end, which kubectl silently drops; start the next document with a '---' line` };
  }
  const [yaml] = parsed;
  const error = yaml?.errors[0];
  if (error) {
    const line = lines.linePos(error.pos[0]).line + document.line - 1;
    return { problem: `${where} is not valid YAML: line ${line}: ${cutForMessage(error.message.split('\n')[0])}` };
  }
  try {
    const { value, notes } = yaml ? documentValue(yaml, lines, document.line) : { value: null, notes: [] };
    return { index, line: document.line, value, notes };
  } catch (failure) {
    if (!(failure instanceof YamlValueProblem)) throw failure;
    return { problem: `${where}${failure.line === undefined ? '' : `, line ${failure.line},`} ${failure.message}` };
  }
}
