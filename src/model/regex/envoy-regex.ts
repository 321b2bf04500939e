import { Re2ErrorCode, compileRe2 } from './re2-engine';
import { QUOTED_VALUE_MAX_CHARACTERS } from '../validation/quote-value';

// What Envoy 1.40 accepts as a `safe_regex` (Google RE2 engine, no runtime overrides):
// - RE2 syntax, compiled with RE2's default options except the encoding: Envoy compiles patterns
//   as Latin-1 (observed on Envoy 1.40: `\x{100}` is an invalid escape, `.*` is 6 instructions);
// - a program size of at most `re2.max_program_size.error_level`, whose default is 100;
// - RE2's memory budget derived from that limit: max(8 MiB, limit × 1 KiB) = 8 MiB;
// - a non-empty string (RegexMatcher.regex has `min_len: 1`).
// A route, listener or cluster carrying any other regex is refused whole by the proxy.

/** Envoy's default `re2.max_program_size.error_level`. */
export const ENVOY_MAX_REGEX_PROGRAM_SIZE = 100;
const ENVOY_RE2_MAX_MEM_BYTES = 8 * 1024 * 1024;

const RE2_SYNTAX = 'https://github.com/google/re2/wiki/Syntax';

/** Why Envoy would refuse a regex, and how to change it. */
export interface RegexRefusal {
  /** What is wrong, e.g. `not an RE2 regex: RE2 has no lookahead or lookbehind (RE2: "invalid perl operator: (?=")`. */
  readonly problem: string;
  readonly fix: string;
}

/** Undefined when Envoy accepts `pattern` as a safe_regex; otherwise why it would not. */
export function envoyRegexRefusal(pattern: string): RegexRefusal | undefined {
  if (pattern === '') {
    return { problem: 'empty, and Envoy requires a non-empty regex', fix: 'Use ".*" to match any value, or remove the condition.' };
  }
  const compiled = compileRe2(pattern, ENVOY_RE2_MAX_MEM_BYTES);
  if (!compiled.ok) {
    const { reason, fix } = explainSyntaxError(compiled.errorCode, compiled.error);
    // RE2 quotes the offending part, which can be the whole pattern: cut it like any quoted value.
    const error = compiled.error.length > QUOTED_VALUE_MAX_CHARACTERS ? `${compiled.error.slice(0, QUOTED_VALUE_MAX_CHARACTERS)}…` : compiled.error;
    return { problem: `not an RE2 regex: ${reason} (RE2: "${error}")`, fix };
  }
  if (compiled.programSize > ENVOY_MAX_REGEX_PROGRAM_SIZE) {
    return {
      problem: `compiles to an RE2 program of ${compiled.programSize} instructions, more than the ${ENVOY_MAX_REGEX_PROGRAM_SIZE} Envoy accepts (its default re2.max_program_size.error_level)`,
      fix: 'Simplify it: lower repetition counts (x{n,m} repeats x up to m times in the program), drop alternatives, or split it into several conditions.',
    };
  }
  return undefined;
}

function explainSyntaxError(code: Re2ErrorCode, error: string): { reason: string; fix: string } {
  switch (code) {
    case Re2ErrorCode.BAD_PERL_OP:
      return /\(\?<?[=!]/.test(error)
        ? { reason: 'RE2 has no lookahead or lookbehind', fix: 'Match the wanted text directly, or express the exclusion as a separate condition (a withoutHeaders match negates one).' }
        : { reason: 'this (?...) group is not RE2 syntax', fix: `Use (?:...) for grouping, (?P<name>...) for named groups and flags such as (?i); see ${RE2_SYNTAX}.` };
    case Re2ErrorCode.BAD_ESCAPE:
      return /\\[1-9]/.test(error)
        ? { reason: 'RE2 has no backreferences', fix: 'Spell out the repeated text instead of \\1.' }
        : /\\x\{/.test(error)
          ? { reason: 'Envoy reads regexes as Latin-1, so characters above \\x{FF} do not exist for it', fix: 'Write the character itself (its UTF-8 bytes are matched), or use a class of bytes.' }
          : { reason: 'this escape sequence is not RE2 syntax', fix: `Escape only punctuation, or use the classes RE2 knows (\\d, \\w, \\s, \\pL, ...); see ${RE2_SYNTAX}.` };
    case Re2ErrorCode.REPEAT_OP:
      return { reason: 'RE2 has no possessive or doubled quantifiers', fix: 'Use a single quantifier: a+ instead of a++ or a*+.' };
    case Re2ErrorCode.REPEAT_SIZE:
      return { reason: 'RE2 allows repetition counts up to 1000, including counts of nested repetitions multiplied together', fix: 'Use a smaller count, or + / * instead of a large {n,m}.' };
    case Re2ErrorCode.REPEAT_ARGUMENT:
      return { reason: 'a quantifier has nothing to repeat', fix: 'Escape the character (\\*, \\+, \\?) to match it literally.' };
    case Re2ErrorCode.MISSING_PAREN:
    case Re2ErrorCode.UNEXPECTED_PAREN:
    case Re2ErrorCode.MISSING_BRACKET:
      return { reason: 'brackets are not balanced', fix: 'Close every ( and [, or escape them (\\( \\[) to match them literally.' };
    case Re2ErrorCode.BAD_CHAR_RANGE:
    case Re2ErrorCode.BAD_CHAR_CLASS:
      return { reason: 'a character class or range is invalid', fix: `Write ranges low to high ([a-z]) and use Unicode class names RE2 knows (\\p{Greek}); see ${RE2_SYNTAX}.` };
    case Re2ErrorCode.BAD_NAMED_CAPTURE:
      return { reason: 'a group name is invalid or repeated', fix: 'Use each (?P<name>...) name once, made of letters, digits and _.' };
    case Re2ErrorCode.TRAILING_BACKSLASH:
      return { reason: 'the pattern ends with a lone backslash', fix: 'Write \\\\ to match a backslash.' };
    case Re2ErrorCode.PATTERN_TOO_LARGE:
      return { reason: 'the pattern is too large for RE2\'s memory budget', fix: 'Simplify it or split it into several conditions.' };
    default:
      return { reason: 'RE2 cannot parse it', fix: `See ${RE2_SYNTAX}.` };
  }
}
