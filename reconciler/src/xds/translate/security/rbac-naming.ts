/**
 * The names the RBAC filters give their counters, shared by the translation that sets them and
 * the telemetry that reads them back. Each filter gets a rules stat prefix per action and counts
 * per rule, so a sidecar reports `http.<listener>.rbac.<action>.policy.<rule>.allowed|denied`
 * (requests a rule matched) and `http.<listener>.rbac.<action>.allowed|denied` (all requests the
 * filter decided). A rule is named the way Istio names it, `ns[<ns>]-policy[<name>]-rule[<i>]`.
 */

/** The Envoy RBAC action of each filter the translation emits. */
export type RbacFilterAction = 'ALLOW' | 'DENY' | 'LOG';

/** `rules_stat_prefix` by filter action; the telemetry reads the action back from it. */
export const RBAC_RULES_STAT_PREFIX: Readonly<Record<RbacFilterAction, string>> = { ALLOW: 'allow.', DENY: 'deny.', LOG: 'audit.' };

/** The Envoy policy name of rule `ruleIndex` of AuthorizationPolicy `namespace/name`. */
export function rbacRuleName(namespace: string, name: string, ruleIndex: number): string {
  return `ns[${namespace}]-policy[${name}]-rule[${ruleIndex}]`;
}

const RULE_NAME = /^ns\[([^\][]+)\]-policy\[([^\][]+)\]-rule\[(\d+)\]$/;

/** The AuthorizationPolicy and rule a rule name stands for, or undefined for a name not made by `rbacRuleName`. */
export function parseRbacRuleName(ruleName: string): { namespace: string; name: string; ruleIndex: number } | undefined {
  const match = RULE_NAME.exec(ruleName);
  return match ? { namespace: match[1], name: match[2], ruleIndex: Number(match[3]) } : undefined;
}

/** The filter action a rules stat prefix (without its dot) stands for. */
export function rbacActionOfStatPrefix(prefix: string): RbacFilterAction | undefined {
  return (Object.keys(RBAC_RULES_STAT_PREFIX) as RbacFilterAction[]).find((action) => RBAC_RULES_STAT_PREFIX[action] === `${prefix}.`);
}
