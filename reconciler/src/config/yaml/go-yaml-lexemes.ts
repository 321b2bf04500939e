/**
 * Cuts a document into lexemes as go-yaml (libyaml's scanner) would, starting from the `yaml`
 * package's YAML 1.2 lexer. They differ only inside `[ ]` and `{ }`: there YAML 1.2 ends an unquoted
 * value at a `:` that precedes `,`, `]` or `}`, so `[10.0.0.1, 2001:db8::]` holds a map, while go-yaml
 * keeps the `:` in the value and reads the string "2001:db8::". go-yaml also ends an unquoted value
 * at `?` and never starts one with `:` or `?` there; the texts it then fails on are reported.
 */
import { Lexer } from 'yaml';
import { cutForMessage } from '../../model';

/** The `yaml` lexer's marker before an unquoted (or block) scalar's text. */
const SCALAR_MARKER = '\x1f';
/** Lexemes that carry no text (document start, flow error end, scalar marker). */
const CONTROL_LEXEMES = new Set(['\x02', '\x18', SCALAR_MARKER]);
const FLOW_OPEN = new Set(['[', '{']);
const FLOW_CLOSE = new Set([']', '}']);
/** What may follow `name:` for go-yaml to still read `name:` as one unquoted value. */
const FLOW_BREAKS = new Set([',', '[', ']', '{', '}']);

export type GoYamlLexemes =
  | { readonly lexemes: readonly string[]; readonly problem?: undefined }
  | { readonly problem: string; readonly offset: number; readonly lexemes?: undefined };

export function goYamlLexemes(text: string): GoYamlLexemes {
  const input = [...new Lexer().lex(text)];
  const output: string[] = [];
  let depth = 0;
  let offset = 0;
  for (let index = 0; index < input.length; index += 1) {
    const lexeme = input[index];
    if (lexeme === SCALAR_MARKER && depth > 0 && index + 1 < input.length) {
      const value = input[index + 1];
      const unreadable = flowValueProblem(value);
      if (unreadable) return { problem: unreadable, offset };
      const joined = joinedColonEnd(input, index + 2);
      output.push(SCALAR_MARKER, joined === undefined ? value : `${value}:`);
      offset += value.length + (joined === undefined ? 0 : 1);
      index = joined ?? index + 1;
      continue;
    }
    if (FLOW_OPEN.has(lexeme)) depth += 1;
    if (FLOW_CLOSE.has(lexeme)) depth = Math.max(0, depth - 1);
    output.push(lexeme);
    if (!CONTROL_LEXEMES.has(lexeme)) offset += lexeme.length;
  }
  return { lexemes: output };
}

/**
 * When the lexemes at `from` are a `:` that go-yaml keeps in the value before it (the `:` is
 * followed, possibly after the empty value the lexer inserts, by a flow indicator), the index of the
 * last lexeme to drop.
 */
function joinedColonEnd(input: readonly string[], from: number): number | undefined {
  if (input[from] !== ':') return undefined;
  let next = from + 1;
  if (input[next] === SCALAR_MARKER && input[next + 1] === '') next += 2;
  return FLOW_BREAKS.has(input[next]) ? next - 1 : undefined;
}

function flowValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.startsWith(':') || value.startsWith('?')) {
    return `the unquoted value '${cutForMessage(value)}' inside [ ] or { } starts with '${value[0]}', which kubectl reads as a map indicator and refuses; quote the value`;
  }
  if (value.includes('?')) {
    return `the unquoted value '${cutForMessage(value)}' inside [ ] or { } contains '?', where kubectl ends the value and then fails; quote the value`;
  }
  return undefined;
}
