import { CelInput, isCelError, parse, plan } from '@bufbuild/cel';
import { CelValidationRule } from '../kubernetes-schema';
import { findCelReferences } from './cel-references';
import { kubernetesCelEnvironment } from './kubernetes-cel-environment';

/** Outcome of one rule on one value: passed, or the message to report. */
export type CelRuleOutcome = { readonly passed: true } | { readonly passed: false; readonly message: string };

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
      // The API server reports a rule that cannot be evaluated (e.g. an unparsable duration) as invalid.
      return { passed: false, message: `${this.failureMessage(self)} (the rule could not be evaluated: ${result.message})` };
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
