import { CelInput, isCelError, parse, plan } from '@bufbuild/cel';
import { CelValidationRule } from '../kubernetes-schema';
import { findCelReferences } from './cel-references';
import { kubernetesCelEnvironment } from './kubernetes-cel-environment';

/**
 * Outcome of one rule on one value: passed, or the message to report. `expectedForm` is set when
 * the rule could not be evaluated on the value at all (a conversion such as duration() failed):
 * that is a type error on the field, and says what the rule needs instead.
 */
export type CelRuleOutcome =
  | { readonly passed: true }
  | { readonly passed: false; readonly message: string; readonly expectedForm?: ExpectedForm };

/** What a rule's conversions need, and how to write it. */
export interface ExpectedForm {
  readonly description: string;
  readonly fix: string;
}

/** The conversions Istio's rules call, each with the form it accepts; the first one a rule uses is reported. */
const CONVERSION_FORMS: ReadonlyArray<readonly [RegExp, ExpectedForm]> = [
  [/\bduration\(/, { description: 'a duration such as "5s", "1m30s" or "100ms"', fix: 'Write a number followed by a unit: h, m, s, ms, us or ns.' }],
  [/\btimestamp\(/, { description: 'an RFC 3339 timestamp such as "2024-01-31T12:00:00Z"', fix: 'Write the date, "T", the time and a zone.' }],
  [/\b(int|uint)\(/, { description: 'whole numbers written as digits', fix: 'Use digits only, e.g. "8080".' }],
  [/\b(url|isURL)\(/, { description: 'an absolute URL such as "https://example.com/path"', fix: 'Write the scheme, "://", the host and the path.' }],
  [/\bquantity\(/, { description: 'a Kubernetes quantity such as "500m" or "1Gi"', fix: 'Write a number with an optional suffix (m, k, Ki, M, Mi, G, Gi).' }],
];

const ANY_OTHER_FORM: ExpectedForm = { description: 'a value of another type or form', fix: 'Check the field\'s documented type.' };

export class CelRuleCompileError extends Error {
  constructor(readonly rule: string, reason: string) {
    super(`CEL rule ${JSON.stringify(rule)} does not compile: ${reason}`);
    this.name = 'CelRuleCompileError';
  }
}

type Program = (bindings: { self: CelInput }) => unknown;

/** A parsed and planned `x-kubernetes-validations` entry, reusable for any number of values. */
export class CompiledCelRule {
  /**
   * Transition rules compare against `oldSelf`, the stored object before an update.
   * Synthesized manifests are always creations, so the API server would not run them either.
   */
  readonly isTransitionRule: boolean;
  private readonly program: Program;
  private readonly messageProgram?: Program;

  constructor(private readonly validation: CelValidationRule) {
    const { program, usesOldSelf } = compileExpression(validation.rule);
    this.program = program;
    this.isTransitionRule = usesOldSelf;
    if (validation.messageExpression !== undefined) {
      this.messageProgram = compileExpression(validation.messageExpression).program;
    }
  }

  get rule(): string {
    return this.validation.rule;
  }

  evaluate(self: CelInput): CelRuleOutcome {
    const result = this.program({ self });
    if (result === true) {
      return { passed: true };
    }
    if (isCelError(result)) {
      // The API server reports a rule that cannot be evaluated (e.g. an unparsable duration) as
      // invalid; the evaluator's own error ("Cannot convert acd to a BigInt") explains nothing.
      const expectedForm = CONVERSION_FORMS.find(([call]) => call.test(this.validation.rule))?.[1] ?? ANY_OTHER_FORM;
      return { passed: false, message: this.failureMessage(self), expectedForm };
    }
    if (result !== false) {
      return { passed: false, message: `the rule must evaluate to a bool, got ${String(result)}` };
    }
    return { passed: false, message: this.failureMessage(self) };
  }

  private failureMessage(self: CelInput): string {
    if (this.messageProgram) {
      const message = this.messageProgram({ self });
      if (typeof message === 'string' && message !== '') {
        return message;
      }
    }
    return this.validation.message ?? `failed rule: ${this.validation.rule}`;
  }
}

function compileExpression(expression: string): { program: Program; usesOldSelf: boolean } {
  const env = kubernetesCelEnvironment();
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    throw new CelRuleCompileError(expression, (error as Error).message);
  }
  const references = findCelReferences(parsed.expr, env);
  if (references.unboundFunctions.length > 0) {
    throw new CelRuleCompileError(expression, `undeclared function(s) ${references.unboundFunctions.join(', ')}`);
  }
  if (references.undeclaredVariables.length > 0) {
    throw new CelRuleCompileError(expression, `undeclared reference(s) ${references.undeclaredVariables.join(', ')}`);
  }
  try {
    return { program: plan(env, parsed) as Program, usesOldSelf: references.usesOldSelf };
  } catch (error) {
    throw new CelRuleCompileError(expression, (error as Error).message);
  }
}
