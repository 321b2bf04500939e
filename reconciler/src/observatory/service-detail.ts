/**
 * The service page's data: versions with their endpoints (ready, ejected) and health, the routing
 * in effect as a table (match → destinations and weights, retries, timeout, fault, mirror), the
 * DestinationRule's policies, the mTLS mode and where it comes from, and the authorization rules
 * that name the service. Undefined for a service the accepted config does not declare.
 */
import { summarizeFault, summarizeMatch } from '../model';
import type { DestinationRuleSpec, HttpRoute, TrafficPolicy } from '../push/istio-spec';
import { subsetLabels } from './appenders/endpoint-appender';
import { buildObservatoryGraph } from './build-graph';
import { declaredView } from './declared-view';
import { subsetEndpoints } from './service-endpoints';
import type { HealthStatus } from './health';
import type { GraphBadge, TrafficSummary } from './observatory-graph';
import type { ObservatoryInputs } from './observatory-inputs';
import type { AuthorizationDecisions } from '../telemetry/authorization-counts';

export interface RoutingRow {
  /** `<namespace>/<virtualservice>#<route>`. */
  readonly route: string;
  /** Empty for every request. */
  readonly match: string;
  readonly destinations: readonly { readonly target: string; readonly weight: number }[];
  readonly retries: string;
  readonly timeout: string;
  readonly fault: string;
  readonly mirror: string;
}

export interface ServiceDetail {
  readonly namespace: string;
  readonly name: string;
  readonly host: string;
  readonly ports: readonly string[];
  readonly health?: HealthStatus;
  readonly traffic?: TrafficSummary;
  readonly badges: readonly GraphBadge[];
  readonly versions: readonly {
    readonly name: string;
    readonly workloads: readonly string[];
    readonly endpoints: readonly { readonly workload: string; readonly address: string; readonly port: number }[];
    readonly ejected: number;
    readonly health?: HealthStatus;
    readonly traffic?: TrafficSummary;
  }[];
  readonly routing: readonly RoutingRow[];
  readonly destinationRule?: { readonly object: string; readonly policies: readonly string[] };
  readonly mtls: { readonly mode: string; readonly source: string };
  readonly authorization: readonly { readonly action: string; readonly policy: string; readonly from: string; readonly to: string }[];
  /**
   * What the policies decided in the window at the service's workloads, as their sidecars count it:
   * requests an ALLOW policy's rules allowed, a DENY policy's rules denied, and (no policy) the
   * requests denied because no ALLOW rule matched.
   */
  readonly authorizationDecisions: readonly AuthorizationDecisions[];
}

export function serviceDetail(inputs: ObservatoryInputs, namespace: string, name: string, windowMs: number): ServiceDetail | undefined {
  const push = inputs.push;
  if (!push) return undefined;
  const declared = declaredView(push, inputs.servedObjects, inputs.mesh);
  const service = declared.services.find((candidate) => candidate.declared && candidate.namespace === namespace && candidate.name === name);
  const registered = service ? push.serviceByHost(service.host) : undefined;
  if (!service || !registered) return undefined;
  const graph = buildObservatoryGraph(inputs, { windowMs });
  const node = graph.nodes.find((candidate) => candidate.id === service.id);
  const rule = push.destinationRuleFor(service.host, { namespace, labels: {} });
  const virtualService = push.virtualServiceFor(service.host);
  const allowDeny = declared.edges.filter((edge) => (edge.kind === 'allow' || edge.kind === 'deny') && (edge.to === service.id || service.versions.some((version) => version.id === edge.to)));
  return {
    namespace,
    name,
    host: service.host,
    ports: service.ports,
    health: node?.health,
    traffic: node?.traffic,
    badges: node?.badges ?? [],
    versions: service.versions.map((version) => {
      const versionNode = graph.nodes.find((candidate) => candidate.id === version.id);
      const endpoints = subsetEndpoints(push, registered, subsetLabels(push, service.host, namespace, version.name));
      return {
        name: version.name,
        workloads: version.workloads,
        endpoints: endpoints.map((endpoint) => ({ workload: endpoint.instance.name, address: endpoint.instance.address, port: endpoint.port })),
        ejected: versionNode?.endpoints?.ejected ?? 0,
        health: versionNode?.health,
        traffic: versionNode?.traffic,
      };
    }),
    routing: virtualService ? (virtualService.spec.http ?? []).map((route, index) => routingRow(`${virtualService.namespace}/${virtualService.name}`, route, index)) : [],
    destinationRule: rule ? { object: `${rule.namespace}/${rule.name}`, policies: policyLines(rule.spec) } : undefined,
    mtls: { mode: service.mtlsMode, source: service.mtlsSource || 'mesh default' },
    authorization: [
      ...allowDeny.map((edge) => ({ action: edge.kind.toUpperCase(), policy: edge.source, from: graph.nodes.find((candidate) => candidate.id === edge.from)?.name ?? edge.from, to: edge.match })),
      ...service.authorizationRules,
    ],
    authorizationDecisions: inputs.authorization?.decisions(
      service.versions.flatMap((version) => version.workloads.map((workload) => ({ namespace, workload }))), windowMs, inputs.now) ?? [],
  };
}

function routingRow(virtualService: string, route: HttpRoute, index: number): RoutingRow {
  const mirror = route.mirror ? `${route.mirror.host}${route.mirror.subset ? ` ${route.mirror.subset}` : ''} ${route.mirrorPercentage?.value ?? 100} %` : '';
  const targets = route.route ?? [];
  return {
    route: `${virtualService}#${route.name ?? index}`,
    match: summarizeMatch(route.match),
    destinations: targets.map((target) => ({
      target: `${target.destination.host}${target.destination.subset ? ` ${target.destination.subset}` : ''}`,
      weight: target.weight ?? (targets.length === 1 ? 100 : 0),
    })),
    retries: route.retries ? `${route.retries.attempts ?? 0} × ${route.retries.perTryTimeout ?? 'no per-try timeout'}${route.retries.retryOn ? ` on ${route.retries.retryOn}` : ''}` : '',
    timeout: route.timeout ?? '',
    fault: summarizeFault(route.fault),
    mirror,
  };
}

function policyLines(spec: DestinationRuleSpec): string[] {
  const lines = trafficPolicyLines('', spec.trafficPolicy);
  for (const subset of spec.subsets ?? []) {
    lines.push(`subset ${subset.name}: ${Object.entries(subset.labels ?? {}).map(([key, value]) => `${key}=${value}`).join(',')}`);
    lines.push(...trafficPolicyLines(`subset ${subset.name} `, subset.trafficPolicy));
  }
  return lines;
}

function trafficPolicyLines(prefix: string, policy: TrafficPolicy | undefined): string[] {
  if (!policy) return [];
  const lines: string[] = [];
  if (policy.loadBalancer) lines.push(`${prefix}load balancer: ${JSON.stringify(policy.loadBalancer)}`);
  if (policy.connectionPool) lines.push(`${prefix}connection pool: ${JSON.stringify(policy.connectionPool)}`);
  if (policy.outlierDetection) lines.push(`${prefix}outlier detection: ${JSON.stringify(policy.outlierDetection)}`);
  if (policy.tls) lines.push(`${prefix}TLS: ${policy.tls.mode ?? '?'}`);
  return lines;
}
