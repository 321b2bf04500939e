/**
 * Which config objects fed a generated resource, derived from the resource itself (the hosts and
 * cluster names it carries) and the push context that produced it. Used when a proxy refuses a
 * resource, to point the operator at the objects to fix; generation does not carry provenance, so
 * a push costs nothing extra and only a NACK pays for the lookup.
 */
import type { ScopedConfig } from '../push/config-index';
import type { ProxyIdentity } from '../push/contract';
import { TYPE_URLS } from '../push/contract';
import { hostMatches } from '../push/host-names';
import type { VirtualServiceSpec } from '../push/istio-spec';
import type { PolicyKind, PushContext } from '../push/push-context';
import { gatewayRef, selectGateways } from './translate/gateway-servers';
import { applicablePolicies } from './translate/security/policy-scope';

/** One config object, by kind, namespace and name. */
export interface ConfigRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

type Json = Record<string, any>;

/** Kinds whose selected objects shape a proxy's inbound listeners (mTLS, JWT and RBAC filters). */
const INBOUND_POLICY_KINDS: readonly PolicyKind[] = ['PeerAuthentication', 'RequestAuthentication', 'AuthorizationPolicy'];

/** The config objects behind one resource of `typeUrl` generated for `proxy`, sorted and without repeats. */
export function configsFeeding(push: PushContext, proxy: ProxyIdentity, typeUrl: string, resource: Json): ConfigRef[] {
  const found = new Refs();
  switch (typeUrl) {
    case TYPE_URLS.cluster:
    case TYPE_URLS.endpoint:
      addClusterConfigs(found, push, proxy, String(resource.name ?? resource.cluster_name ?? ''));
      break;
    case TYPE_URLS.route:
      addRouteConfigs(found, push, proxy, resource);
      break;
    case TYPE_URLS.listener:
      addListenerConfigs(found, push, proxy, String(resource.name ?? ''));
      break;
    default:
      // Secrets are the reconciler's own certificates.
      break;
  }
  return found.sorted();
}

class Refs {
  private readonly byKey = new Map<string, ConfigRef>();

  add(ref: ConfigRef | undefined): void {
    if (ref) this.byKey.set(`${ref.kind}/${ref.namespace}/${ref.name}`, ref);
  }

  addConfig(kind: string, config: ScopedConfig<unknown> | undefined): void {
    if (config) this.add({ kind, namespace: config.namespace, name: config.name });
  }

  sorted(): ConfigRef[] {
    return [...this.byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
  }
}

/** `outbound|<port>|<subset>|<host>`: the service that declares the host and the DestinationRule that shapes it. */
function addClusterConfigs(found: Refs, push: PushContext, proxy: ProxyIdentity, clusterName: string): void {
  const parts = clusterName.split('|');
  if (parts[0] === 'outbound' && parts.length === 4) {
    const host = parts[3];
    const service = push.serviceByHost(host);
    if (service) found.add({ kind: service.kind, namespace: service.namespace, name: service.name });
    found.addConfig('DestinationRule', push.destinationRuleFor(host, proxy));
  } else if (parts[0] === 'inbound') {
    addInboundConfigs(found, push, proxy);
  }
}

function addRouteConfigs(found: Refs, push: PushContext, proxy: ProxyIdentity, routeConfiguration: Json): void {
  const gatewayRefs = proxy.proxyType === 'router' ? selectGateways(push, proxy).map(gatewayRef) : [];
  for (const virtualHost of (routeConfiguration.virtual_hosts ?? []) as Json[]) {
    const host = hostOfVirtualHost(String(virtualHost.name ?? ''));
    if (proxy.proxyType === 'router') {
      for (const virtualService of gatewayBoundVirtualServices(push, gatewayRefs, host)) found.addConfig('VirtualService', virtualService);
    } else {
      found.addConfig('VirtualService', push.virtualServiceFor(host));
    }
    for (const route of (virtualHost.routes ?? []) as Json[]) {
      for (const cluster of clustersOfRoute(route)) addClusterConfigs(found, push, proxy, cluster);
    }
  }
  for (const gateway of gatewayRefs) {
    const [namespace, name] = gateway.split('/');
    found.add({ kind: 'Gateway', namespace, name });
  }
}

/** Virtual hosts are named `<host>:<port>`. */
function hostOfVirtualHost(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

function clustersOfRoute(route: Json): string[] {
  const action = (route.route ?? {}) as Json;
  return [
    action.cluster,
    ...((action.weighted_clusters?.clusters ?? []) as Json[]).map((cluster) => cluster.name),
    ...((action.request_mirror_policies ?? []) as Json[]).map((mirror) => mirror.cluster),
  ].filter((name): name is string => typeof name === 'string');
}

/** VirtualServices bound to one of the gateways whose hosts overlap the virtual host's. */
function gatewayBoundVirtualServices(push: PushContext, gatewayRefs: readonly string[], host: string): ScopedConfig<VirtualServiceSpec>[] {
  return push.allVirtualServiceConfigs().filter((virtualService) => {
    const bound = (virtualService.spec.gateways ?? [])
      .map((entry) => (entry.includes('/') ? entry : `${virtualService.namespace}/${entry}`))
      .some((entry) => gatewayRefs.includes(entry));
    return bound && (virtualService.spec.hosts ?? []).some((vsHost) => hostMatches(vsHost, host) || hostMatches(host, vsHost));
  });
}

function addListenerConfigs(found: Refs, push: PushContext, proxy: ProxyIdentity, listenerName: string): void {
  if (proxy.proxyType === 'router') {
    for (const gateway of selectGateways(push, proxy)) found.addConfig('Gateway', gateway);
    return;
  }
  found.addConfig('Sidecar', push.sidecarFor(proxy));
  if (listenerName.startsWith('inbound') || listenerName === 'virtualInbound') addInboundConfigs(found, push, proxy);
}

/** The security policies that select the proxy's workload, from its namespace and the mesh root. */
function addInboundConfigs(found: Refs, push: PushContext, proxy: ProxyIdentity): void {
  const rootNamespace = push.mesh.rootNamespace;
  const namespaces = proxy.namespace === rootNamespace ? [rootNamespace] : [rootNamespace, proxy.namespace];
  for (const kind of INBOUND_POLICY_KINDS) {
    const objects = namespaces.flatMap((namespace) => push.policiesIn(kind, namespace).map((config) => config.object));
    const rules = { rootNamespace, rootSelectorIsMeshWide: kind !== 'PeerAuthentication' };
    for (const policy of applicablePolicies(objects, kind, proxy, rules)) {
      found.add({ kind, namespace: policy.metadata.namespace ?? 'default', name: policy.metadata.name });
    }
  }
}
