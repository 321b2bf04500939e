/**
 * Which services one proxy is configured for. By default it sees the whole registry; a Sidecar's
 * egress `hosts` or a dependency annotation narrows that, which keeps large meshes' configs small.
 */
import type { ScopedConfig } from './config-index';
import type { ProxyIdentity } from './contract';
import { namespacedHostAdmits } from './host-names';
import type { SidecarSpec } from './istio-spec';
import { labelsMatch } from './label-selector';
import type { PushContext } from './push-context';
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
  // Nothing narrows the view: every proxy so placed gets the push's own list, so what is derived
  // from the list (its digest, the outbound listener plan) is worked out once per push.
  if (!sidecar?.spec.egress?.length && !dependencies) return push.services();
  const own = new Set(ownServices(push, proxy).map((service) => service.hostname));
  const egressHosts = (sidecar?.spec.egress ?? []).flatMap((listener) => listener.hosts ?? []);
  return push.services().filter((service) => {
    if (own.has(service.hostname)) {
      return true;
    }
    if (sidecar?.spec.egress?.length && !egressHostsAdmit(egressHosts, proxy, push.mesh.clusterDomain, service)) {
      return false;
    }
    return !dependencies || dependencies.has(`${service.name}.${service.namespace}`) || dependencies.has(service.hostname);
  });
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
