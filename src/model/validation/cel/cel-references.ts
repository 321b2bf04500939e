import { CelEnv, parse } from '@bufbuild/cel';
import { OLD_SELF_VARIABLE, SELF_VARIABLE } from './kubernetes-cel-environment';

// @bufbuild/cel binds functions and variables only when an expression runs, so a rule that
// calls a function the environment lacks would compile and then fail on the first object.
// Walking the parsed expression finds those references up front, the way the API server's
// type check rejects a CRD whose rule calls an undeclared function.

type Expr = ReturnType<typeof parse>['expr'];

/** Operators the planner implements itself rather than through the function registry. */
const PLANNER_OPERATORS = new Set([
  '_[_]', '_[?_]', '_?._', '_?_:_', '_&&_', '_||_', '@not_strictly_false', '__not_strictly_false__',
]);

/** Type denotations usable as values, e.g. `type(self) == int`. */
const TYPE_IDENTIFIERS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type']);

export interface CelReferences {
  readonly unboundFunctions: readonly string[];
  readonly undeclaredVariables: readonly string[];
  readonly usesOldSelf: boolean;
}

export function findCelReferences(expr: Expr, env: CelEnv): CelReferences {
  const unboundFunctions = new Set<string>();
  const undeclaredVariables = new Set<string>();
  let usesOldSelf = false;

  const visit = (node: Expr | undefined, scope: ReadonlySet<string>): void => {
    if (!node) {
      return;
    }
    const kind = node.exprKind;
    switch (kind.case) {
      case 'identExpr':
        if (kind.value.name === OLD_SELF_VARIABLE) {
          usesOldSelf = true;
        } else if (!scope.has(kind.value.name) && !TYPE_IDENTIFIERS.has(kind.value.name)) {
          undeclaredVariables.add(kind.value.name);
        }
        return;
      case 'selectExpr':
        visit(kind.value.operand, scope);
        return;
      case 'callExpr':
        if (!PLANNER_OPERATORS.has(kind.value.function) && env.funcs.find(kind.value.function) === undefined) {
          unboundFunctions.add(kind.value.function);
        }
        visit(kind.value.target, scope);
        kind.value.args.forEach((arg) => visit(arg, scope));
        return;
      case 'listExpr':
        kind.value.elements.forEach((element) => visit(element, scope));
        return;
      case 'structExpr':
        kind.value.entries.forEach((entry) => {
          if (entry.keyKind.case === 'mapKey') {
            visit(entry.keyKind.value, scope);
          }
          visit(entry.value, scope);
        });
        return;
      case 'comprehensionExpr': {
        const comprehension = kind.value;
        visit(comprehension.iterRange, scope);
        visit(comprehension.accuInit, scope);
        const inner = new Set([...scope, comprehension.iterVar, comprehension.iterVar2, comprehension.accuVar].filter((name) => name !== ''));
        visit(comprehension.loopCondition, inner);
        visit(comprehension.loopStep, inner);
        visit(comprehension.result, new Set([...scope, comprehension.accuVar]));
        return;
      }
      default:
        return;
    }
  };

  visit(expr, new Set([SELF_VARIABLE]));
  return { unboundFunctions: [...unboundFunctions], undeclaredVariables: [...undeclaredVariables], usesOldSelf };
}
