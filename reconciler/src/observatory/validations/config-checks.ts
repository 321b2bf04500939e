/**
 * Checks on the accepted config that warn rather than reject, Kiali-style: each finds config that
 * is valid but probably does not do what was meant, and says how to fix it.
 */
import { RECONCILER_NAME } from '../../model';
import type { MeshObject, ProxyIdentity } from '../../push/contract';
import { resolveHost } from '../../push/host-names';
import type { DestinationRuleSpec, VirtualServiceSpec } from '../../push/istio-spec';
import { labelsMatch } from '../../push/label-selector';
import { namespaceOf } from '../../push/service-registry';
import type { ObservatoryInputs } from '../observatory-inputs';
import { serviceEndpoints, subsetEndpoints } from '../service-endpoints';
import type { TrafficIndex } from '../traffic-index';
import { objectLabel, Validation, VALIDATION_CODES } from './validation';

/** A mesh-bound VirtualService (no `gateways`, or `mesh` among them) and the hosts it routes, resolved. */
function meshVirtualServices(inputs: ObservatoryInputs): { object: MeshObject; spec: VirtualServiceSpec; hosts: string[] }[] {
  return inputs.servedObjects.filter((object) => object.kind === 'VirtualService').map((object) => {
    const spec = (object.spec ?? {}) as VirtualServiceSpec;
    return { object, spec, hosts: (spec.hosts ?? []).map((host) => resolveHost(host, namespaceOf(object), inputs.mesh.clusterDomain)) };
  }).filter(({ spec }) => !spec.gateways || spec.gateways.length === 0 || spec.gateways.includes('mesh'));
}

/** `host|subset` of every subset a route or mirror of any VirtualService names. */
function referencedSubsets(inputs: ObservatoryInputs): Set<string> {
  const used = new Set<string>();
  for (const object of inputs.servedObjects.filter((candidate) => candidate.kind === 'VirtualService')) {
    const spec = (object.spec ?? {}) as VirtualServiceSpec & { tls?: { route?: { destination: { host: string; subset?: string } }[] }[] };
    const namespace = namespaceOf(object);
    const destinations = [
      ...(spec.http ?? []).flatMap((route) => [...(route.route ?? []).map((target) => target.destination), ...(route.mirror ? [route.mirror] : [])]),
      ...(spec.tcp ?? []).flatMap((route) => (route.route ?? []).map((target) => target.destination)),
      ...(spec.tls ?? []).flatMap((route) => (route.route ?? []).map((target) => target.destination)),
    ];
    for (const destination of destinations) {
      if (destination?.subset) used.add(`${resolveHost(destination.host, namespace, inputs.mesh.clusterDomain)}|${destination.subset}`);
    }
  }
  return used;
}

export function subsetChecks(inputs: ObservatoryInputs): Validation[] {
  const push = inputs.push;
  if (!push) return [];
  const used = referencedSubsets(inputs);
  // Routing that names no subset of a host balances over all its workloads: its subsets are then
  // just names (every MeshService declares them). Only where routing picks subsets is one left out.
  const routed = new Set([...used].map((key) => key.slice(0, key.lastIndexOf('|'))));
  const found: Validation[] = [];
  for (const rule of inputs.servedObjects.filter((object) => object.kind === 'DestinationRule')) {
    const spec = (rule.spec ?? {}) as DestinationRuleSpec;
    const namespace = namespaceOf(rule);
    const host = resolveHost(spec.host ?? '', namespace, inputs.mesh.clusterDomain);
    const service = push.serviceByHost(host);
    const object = objectLabel('DestinationRule', namespace, rule.metadata.name);
    for (const subset of spec.subsets ?? []) {
      if (service && service.ports.length > 0 && !service.external && subsetEndpoints(push, service, subset.labels ?? {}).length === 0) {
        found.push({
          code: VALIDATION_CODES.subsetWithoutEndpoints, severity: 'warning', object, namespace,
          message: `subset '${subset.name}' (${labelText(subset.labels)}) of ${host} selects no endpoint: requests routed to it fail with 503 (no healthy upstream)`,
          fix: `deploy a workload with the labels ${labelText(subset.labels)}, or correct the subset's labels`,
        });
      }
      if (routed.has(host) && !used.has(`${host}|${subset.name}`)) {
        found.push({
          code: VALIDATION_CODES.unusedSubset, severity: 'warning', object, namespace,
          message: `routing to ${host} picks subsets, but no route or mirror names '${subset.name}', so no request reaches it`,
          fix: `route to it from the VirtualService of ${host}, or remove the subset`,
        });
      }
    }
  }
  return found;
}

export function virtualServiceHostChecks(inputs: ObservatoryInputs): Validation[] {
  const push = inputs.push;
  if (!push) return [];
  return meshVirtualServices(inputs).flatMap(({ object, hosts }) => hosts.filter((host) => !host.includes('*') && !push.serviceByHost(host)).map((host) => ({
    code: VALIDATION_CODES.virtualServiceUnknownHost, severity: 'warning' as const,
    object: objectLabel('VirtualService', namespaceOf(object), object.metadata.name), namespace: namespaceOf(object),
    message: `routes host ${host}, which no Service or ServiceEntry declares: sidecars have nothing to send it to`,
    fix: `declare a Service (or ServiceEntry) for ${host}, or correct the host`,
  })));
}

export function sidecarChecks(inputs: ObservatoryInputs): Validation[] {
  const push = inputs.push;
  if (!push) return [];
  const found: Validation[] = [];
  // Proxies by each namespace/label=value they carry: a service's candidates are those with its selector's first label.
  const proxiesByLabel = new Map<string, ProxyIdentity[]>();
  for (const proxy of inputs.connectedProxies) {
    for (const [key, value] of Object.entries(proxy.labels)) {
      const index = `${proxy.namespace}\u0000${key}=${value}`;
      proxiesByLabel.set(index, [...(proxiesByLabel.get(index) ?? []), proxy]);
    }
  }
  for (const service of push.services()) {
    if (service.kind !== 'Service' || !service.selector || Object.keys(service.selector).length === 0) continue;
    if (service.namespace === inputs.mesh.rootNamespace && service.selector.app === RECONCILER_NAME) continue;
    if (serviceEndpoints(push, service).length === 0) continue;
    const [firstKey, firstValue] = Object.entries(service.selector)[0];
    const candidates = proxiesByLabel.get(`${service.namespace}\u0000${firstKey}=${firstValue}`) ?? [];
    const injected = candidates.some((proxy) => labelsMatch(service.selector!, proxy.labels));
    if (injected) continue;
    found.push({
      code: VALIDATION_CODES.serviceWithoutProxy, severity: 'warning', object: objectLabel('Service', service.namespace, service.name), namespace: service.namespace,
      message: `no workload behind ${service.hostname} runs a connected sidecar: its inbound traffic is neither secured, authorized nor measured`,
      fix: 'inject the sidecar into its workloads (the MeshService constructs do) and check that the proxies reach the reconciler',
    });
  }
  return found;
}

export function plaintextChecks(traffic: TrafficIndex, strictHosts: ReadonlyMap<string, { namespace: string; name: string }>, windowMs: number): Validation[] {
  const found: Validation[] = [];
  for (const [host, service] of strictHosts) {
    // The callers' proxies report what they sent; the destination's, what it accepted (callers without a sidecar too).
    const shares = [traffic.byHost.get(host)?.mtlsShare, traffic.inboundByHost.get(host)?.mtlsShare].filter((share) => share !== undefined);
    if (shares.length === 0 || Math.min(...shares) >= 1 - 1e-9) continue;
    const plaintext = 1 - Math.min(...shares);
    found.push({
      code: VALIDATION_CODES.plaintextOnStrict, severity: 'warning', object: objectLabel('Service', service.namespace, service.name), namespace: service.namespace,
      message: `${(plaintext * 100).toFixed(1)} % of the traffic to ${host} in the last ${windowMs / 1000} s was plaintext, but its workloads accept mutual TLS only (STRICT): those callers fail`,
      fix: 'give the plaintext callers a sidecar, or relax the PeerAuthentication to PERMISSIVE while they migrate',
    });
  }
  return found;
}

function labelText(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? 'no labels' : entries.map(([key, value]) => `${key}=${value}`).join(',');
}
