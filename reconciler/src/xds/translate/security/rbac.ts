/**
 * AuthorizationPolicy → `envoy.filters.http.rbac` filters, with Istio's semantics:
 *   - AUDIT policies → a LOG filter (never blocks);
 *   - DENY policies → a DENY filter, evaluated before any ALLOW;
 *   - no ALLOW policy → everything not denied is allowed (no ALLOW filter at all);
 *   - any ALLOW policy → an ALLOW filter, so requests matching no ALLOW rule are denied; an ALLOW
 *     policy without rules (`spec: {}`) contributes no rule and so denies everything.
 * Place the filters after jwt_authn (their request principal matchers read its metadata) and
 * before the router.
 */
import type { MeshObject } from '../../../push/contract';
import type { AuthorizationPolicySpec } from '../../../push/istio-spec';
import { PolicyTarget, applicablePolicies, qualifiedName } from './policy-scope';
import { RBAC_RULES_STAT_PREFIX, rbacRuleName, RbacFilterAction } from './rbac-naming';
import { ruleToPolicy } from './rbac-rules';

export const RBAC_FILTER = 'envoy.filters.http.rbac';

type IstioAction = 'ALLOW' | 'DENY' | 'AUDIT';
type EnvoyAction = RbacFilterAction;

/** Evaluation order of the generated filters, and the Envoy action each Istio action maps to. */
const FILTER_ORDER: ReadonlyArray<[IstioAction, EnvoyAction]> = [['AUDIT', 'LOG'], ['DENY', 'DENY'], ['ALLOW', 'ALLOW']];

export interface AuthorizationContext {
  readonly rootNamespace: string;
  readonly trustDomain: string;
}

function actionOf(policy: MeshObject): IstioAction {
  const action = policy.spec?.action ?? 'ALLOW';
  if (action === 'ALLOW' || action === 'DENY' || action === 'AUDIT') return action;
  throw new Error(`AuthorizationPolicy ${qualifiedName(policy)}: spec.action "${String(action)}" is not supported; use ALLOW, DENY or AUDIT (CUSTOM needs an external authorizer, which this mesh does not provide)`);
}

/** Istio's policy naming, so RBAC stats and logs show which policy and rule matched. */
function envoyPolicyName(policy: MeshObject, ruleIndex: number): string {
  return rbacRuleName(policy.metadata.namespace ?? 'default', policy.metadata.name, ruleIndex);
}

/** The RBAC HTTP filters for the workload, in evaluation order; empty when no policy applies. */
export function translateAuthorizationPolicies(
  objects: readonly MeshObject[], target: PolicyTarget, context: AuthorizationContext): Record<string, unknown>[] {
  const policies = applicablePolicies(objects, 'AuthorizationPolicy', target, { rootNamespace: context.rootNamespace, rootSelectorIsMeshWide: true });
  const filters: Record<string, unknown>[] = [];
  for (const [istioAction, envoyAction] of FILTER_ORDER) {
    const selected = policies.filter((policy) => actionOf(policy) === istioAction);
    if (selected.length === 0) continue;
    const envoyPolicies: Record<string, unknown> = {};
    for (const policy of selected) {
      const rules = (policy.spec as AuthorizationPolicySpec | undefined)?.rules ?? [];
      rules.forEach((rule, index) => {
        envoyPolicies[envoyPolicyName(policy, index)] = ruleToPolicy(rule, {
          trustDomain: context.trustDomain,
          where: `AuthorizationPolicy ${qualifiedName(policy)}: spec.rules[${index}]`,
        });
      });
    }
    // Only an ALLOW filter changes behaviour with no rules (it denies all); skip empty DENY/LOG filters.
    if (envoyAction !== 'ALLOW' && Object.keys(envoyPolicies).length === 0) continue;
    filters.push({
      name: RBAC_FILTER,
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
        'rules': { action: envoyAction, policies: envoyPolicies },
        // Counters per action and per rule, read back by the telemetry (rbac-naming.ts).
        'rules_stat_prefix': RBAC_RULES_STAT_PREFIX[envoyAction],
        'track_per_rule_stats': true,
      },
    });
  }
  return filters;
}
