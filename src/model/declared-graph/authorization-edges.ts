import { DeclaredAuthorizationRule, DeclaredEdge } from './declared-graph';
import { ManifestObject, namespaceOf, objectsOfKind, qualifiedName, selects } from './manifest';
import { IndexedService } from './service-index';

/** Actions drawn as edges; CUSTOM and AUDIT rules are listed on the target instead. */
const EDGE_ACTIONS = new Set(['ALLOW', 'DENY']);

/** What the AuthorizationPolicies declare: edges from calling services, and rules about other sources. */
export interface DeclaredAuthorization {
  readonly edges: DeclaredEdge[];
  /** Service id → rules whose source is not a service of the mesh. */
  readonly rulesByService: Map<string, DeclaredAuthorizationRule[]>;
}

function listText(label: string, values: unknown): string[] {
  return Array.isArray(values) && values.length > 0 ? [`${label} ${values.join(',')}`] : [];
}

function operationText(rule: any): string {
  const operations = Array.isArray(rule?.to) ? rule.to.map((to: any) => to?.operation ?? {}) : [];
  return operations.map((operation: any) => [
    ...listText('', operation.methods).map(text => text.trim()),
    ...listText('', operation.paths).map(text => text.trim()),
    ...listText('port', operation.ports),
    ...listText('not', operation.notPaths),
  ].join(' ')).filter((text: string) => text.length > 0).join(' | ');
}

function otherSourceTexts(source: any): string[] {
  return [
    ...listText('namespace', source.namespaces),
    ...listText('not namespace', source.notNamespaces),
    ...listText('ip', source.ipBlocks),
    ...listText('remote ip', source.remoteIpBlocks),
    ...listText('JWT', source.requestPrincipals),
    ...listText('not principal', source.notPrincipals),
  ];
}

/**
 * Resolves each rule's sources: a principal `<trustDomain>/ns/<ns>/sa/<sa>` run by a service's
 * workloads becomes an edge from that service; anything else stays a rule on the target.
 */
export function declaredAuthorization(
  objects: readonly ManifestObject[], services: readonly IndexedService[], rootNamespace: string, trustDomain: string,
): DeclaredAuthorization {
  const edges: DeclaredEdge[] = [];
  const rulesByService = new Map<string, DeclaredAuthorizationRule[]>();
  const addRule = (serviceId: string, rule: DeclaredAuthorizationRule) =>
    rulesByService.set(serviceId, [...(rulesByService.get(serviceId) ?? []), rule]);
  const callersOf = (principal: string) => services.filter(service => service.workloads.some(workload =>
    principal === `${trustDomain}/ns/${workload.namespace}/sa/${workload.serviceAccount}`));

  for (const policy of objectsOfKind(objects, 'AuthorizationPolicy')) {
    const namespace = namespaceOf(policy);
    const selector = policy.spec?.selector?.matchLabels;
    const targets = services.filter(service =>
      (namespace === rootNamespace && !selector) || (service.namespace === namespace
        && (!selector || service.workloads.some(workload => selects(selector, workload.podLabels)))));
    const action = typeof policy.spec?.action === 'string' ? policy.spec.action : 'ALLOW';
    const rules: any[] = Array.isArray(policy.spec?.rules) ? policy.spec.rules : [];
    const name = qualifiedName(policy);
    for (const target of targets) {
      if (rules.length === 0) {
        // An ALLOW policy without rules allows nothing; a DENY policy without rules denies nothing.
        addRule(target.id, { action, policy: name, from: 'nobody (no rules)', to: '' });
      }
      rules.forEach((rule, index) => {
        const to = operationText(rule);
        const sources: any[] = Array.isArray(rule?.from) ? rule.from.map((from: any) => from?.source ?? {}) : [];
        if (sources.length === 0) {
          addRule(target.id, { action, policy: name, from: 'anyone', to });
        }
        for (const source of sources) {
          for (const principal of (Array.isArray(source.principals) ? source.principals : []) as string[]) {
            const callers = principal === '*' || !EDGE_ACTIONS.has(action) ? [] : callersOf(principal);
            if (callers.length === 0) {
              addRule(target.id, { action, policy: name, from: principal === '*' ? 'any principal' : `principal ${principal}`, to });
            }
            for (const caller of callers) {
              edges.push({
                id: `${action === 'DENY' ? 'deny' : 'allow'}:${caller.id}->${target.id}#${name}/${index}`,
                kind: action === 'DENY' ? 'deny' : 'allow',
                from: caller.id,
                to: target.id,
                match: to,
                source: `${name}#${index}`,
                fault: '',
              });
            }
          }
          for (const text of otherSourceTexts(source)) {
            addRule(target.id, { action, policy: name, from: text, to });
          }
        }
      });
    }
  }
  return { edges, rulesByService };
}
