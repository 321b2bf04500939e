/**
 * Which services one proxy is configured for. By default it sees the whole registry; a Sidecar's
 * egress `hosts` or a dependency annotation narrows that, which keeps large meshes' configs small.
 */
import type { ScopedConfig } from './config-index';
import type { ProxyIdentity } from './contract';
import { namespacedHostAdmits, resolveHost } from './host-names';
import type { SidecarSpec } from './istio-spec';
import { labelsMatch } from './label-selector';
import { byHostname, type PushContext } from './push-context';
import type { MeshService } from './service-model';
import { DEPENDENCIES_ANNOTATION } from '../model';

/** Comma-separated `name.namespace` services a workload calls, on its Sidecar, WorkloadEntry or Pod. */

/** Services that select the proxy's own workload: always visible, and the source of inbound ports. */
export function ownServices(push: PushContext, proxy: ProxyIdentity): MeshService[] {
  return push.servicesInNamespace(proxy.namespace).filter((service) =>
    !!service.selector && Object.keys(service.selector).length > 0 && labelsMatch(service.selector, proxy.labels));
}

/** Whether an egress `hosts` list (Istio `namespace/host` entries) admits a service. */
export function egressHostsAdmit(hosts: readonly string[], proxy: ProxyIdentity, clusterDomain: string, service: MeshService): boolean {
  return hosts.some((entry) => namespacedHostAdmits(entry, proxy.namespace, clusterDomain, service));
}

export function visibleServices(push: PushContext, proxy: ProxyIdentity, sidecar: ScopedConfig<SidecarSpec> | undefined): readonly MeshService[] {
  const dependencies = dependencyList(push, proxy, sidecar);
  const egress = sidecar?.spec.egress ?? [];
  // Nothing narrows the view: every proxy so placed gets the push's own list, so what is derived
  // from the list (its digest, the outbound listener plan) is worked out once per push.
  if (egress.length === 0 && !dependencies) return push.services();
  const ownList = ownServices(push, proxy);
  const own = new Set(ownList.map((service) => service.hostname));
  const candidates = candidateServices(push, proxy, egress, dependencies, ownList) ?? push.services();
  return candidates.flatMap((service) => {
    if (own.has(service.hostname)) return [service];
    const admitted = egress.length > 0 ? admittedPorts(egress, proxy, push.mesh.clusterDomain, service) : 'all';
    if (admitted === undefined) return [];
    if (dependencies && !dependencies.has(`${service.name}.${service.namespace}`) && !dependencies.has(service.hostname)) return [];
    return [admitted === 'all' ? service : withPortsOnly(service, admitted)];
  });
}

/**
 * Every service a dependency list or the egress hosts could admit, plus the proxy's own, in the
 * order of `push.services()` (by host name); undefined when a wildcard host could admit any. Looking the named
 * services up, instead of testing every service of the mesh against every entry, keeps a scoped
 * proxy's cost independent of the mesh's size.
 */
function candidateServices(push: PushContext, proxy: ProxyIdentity, egress: NonNullable<SidecarSpec['egress']>,
  dependencies: ReadonlySet<string> | undefined, own: readonly MeshService[]): MeshService[] | undefined {
  const found = new Map<string, MeshService>(own.map((service) => [service.hostname, service]));
  const add = (service: MeshService | undefined) => { if (service) found.set(service.hostname, service); };
  if (dependencies) {
    for (const dependency of dependencies) {
      push.servicesNamed(dependency).forEach(add);
      add(push.serviceByHost(dependency));
    }
  } else {
    for (const listener of egress) {
      for (const entry of listener.hosts ?? []) {
        const host = exactEgressHost(entry, proxy.namespace, push.mesh.clusterDomain);
        if (host === undefined) return undefined;
        if (host !== null) add(push.serviceByHost(host));
      }
    }
  }
  return [...found.values()].sort(byHostname);
}

/** The one host an egress entry names; null when it admits nothing (`~/…`), undefined when it may name many. */
function exactEgressHost(entry: string, proxyNamespace: string, clusterDomain: string): string | null | undefined {
  const slash = entry.indexOf('/');
  const scope = slash < 0 ? '*' : entry.slice(0, slash);
  const host = slash < 0 ? entry : entry.slice(slash + 1);
  if (scope === '~') return null;
  if (host.includes('*')) return undefined;
  if (host.includes('.')) return host;
  // A short name means a service of the namespace in scope: any namespace when the scope is `*`.
  if (scope === '*') return undefined;
  return resolveHost(host, scope === '.' ? proxyNamespace : scope, clusterDomain);
}

/**
 * The ports of `service` the egress listeners admit, as istiod scopes a Sidecar: a listener
 * without a port (or an HTTP_PROXY one) admits the whole service; a listener with a port admits
 * only that port of the services its hosts name, and none of a service without it.
 */
function admittedPorts(egress: NonNullable<SidecarSpec['egress']>, proxy: ProxyIdentity, clusterDomain: string, service: MeshService): 'all' | Set<number> | undefined {
  const ports = new Set<number>();
  for (const listener of egress) {
    if (!egressHostsAdmit(listener.hosts ?? [], proxy, clusterDomain, service)) continue;
    const number = listener.port?.number;
    if (!number || listener.port?.protocol?.toUpperCase() === 'HTTP_PROXY') return 'all';
    if (service.ports.some((port) => port.number === number)) ports.add(number);
  }
  if (ports.size === 0) return undefined;
  return ports.size === service.ports.length ? 'all' : ports;
}

// One narrowed copy per service and port set, so pushes and proxies that narrow alike share it.
const narrowed = new WeakMap<MeshService, Map<string, MeshService>>();

function withPortsOnly(service: MeshService, ports: ReadonlySet<number>): MeshService {
  const key = [...ports].sort((a, b) => a - b).join(',');
  const copies = narrowed.get(service) ?? new Map<string, MeshService>();
  narrowed.set(service, copies);
  let copy = copies.get(key);
  if (!copy) {
    copy = { ...service, ports: service.ports.filter((port) => ports.has(port.number)) };
    copies.set(key, copy);
  }
  return copy;
}

/** The dependency annotation from the Sidecar or the workload object; undefined when neither sets it. */
function dependencyList(push: PushContext, proxy: ProxyIdentity, sidecar: ScopedConfig<SidecarSpec> | undefined): Set<string> | undefined {
  const value = sidecar?.object.metadata.annotations?.[DEPENDENCIES_ANNOTATION]
    ?? push.workloadOf(proxy)?.metadata.annotations?.[DEPENDENCIES_ANNOTATION];
  if (value === undefined) {
    return undefined;
  }
  return new Set(value.split(',').map((entry) => entry.trim()).filter(Boolean));
}
