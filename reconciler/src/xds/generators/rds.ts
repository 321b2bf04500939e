/**
 * RDS: one outbound route configuration per HTTP port, a virtual host per service on it. A route
 * configuration is decided by the port, its services, the proxy's routing scope and outbound
 * policy, and is shared between proxies within a push.
 */
import type { XdsResource } from '../../push/contract';
import type { MeshService } from '../../push/service-model';
import { outboundRouteName } from '../naming';
import { buildHttpRoutes } from '../translate/http-routes';
import type { OutboundListenerPlan, ProxyView } from '../translate/proxy-view';
import { buildCatchAllVirtualHost, DomainAllocator, serviceDomains } from '../translate/virtual-hosts';

/** The HTTP services among a listener's services, by its service list and port: proxies of a scope share the lists. */
const httpServicesOfList = new WeakMap<readonly MeshService[], Map<number, readonly MeshService[]>>();

export function generateRoutes(view: ProxyView): XdsResource[] {
  const scope = [view.shared.routingScope(view.proxy), view.outboundPolicy];
  const perPort = httpServicesByPort(view.outboundListeners)
    .map(({ port, services }) => ({ port, services, key: JSON.stringify(['route', ...scope, port, view.shared.servicesKey(services)]) }));
  return view.shared.memo(JSON.stringify(['rds', ...perPort.map((entry) => entry.key)]), () => perPort.map(({ port, services, key }) =>
    view.shared.memo(key, () => {
      const name = outboundRouteName(port);
      return { name, resource: buildRouteConfiguration(view, name, port, services) };
    })));
}

function httpServicesByPort(listeners: readonly OutboundListenerPlan[]): { port: number; services: readonly MeshService[] }[] {
  const byPort = new Map<number, OutboundListenerPlan[]>();
  for (const plan of listeners) byPort.set(plan.port, [...(byPort.get(plan.port) ?? []), plan]);
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, plans]) => ({ port, services: plans.length === 1 ? httpServicesOf(plans[0].services, port) : mergedHttpServices(plans, port) }))
    .filter((entry) => entry.services.length > 0);
}

function httpServicesOf(services: readonly MeshService[], port: number): readonly MeshService[] {
  let byPort = httpServicesOfList.get(services);
  if (!byPort) {
    byPort = new Map();
    httpServicesOfList.set(services, byPort);
  }
  let http = byPort.get(port);
  if (!http) {
    http = services.filter((service) => servesHttpOn(service, port));
    byPort.set(port, http);
  }
  return http;
}

/** One port bound on several addresses (egress listeners): the union of their HTTP services, sorted by host. */
function mergedHttpServices(plans: readonly OutboundListenerPlan[], port: number): readonly MeshService[] {
  const byHost = new Map<string, MeshService>();
  for (const plan of plans) for (const service of plan.services) if (servesHttpOn(service, port)) byHost.set(service.hostname, service);
  return [...byHost.values()].sort(byHostname);
}

function servesHttpOn(service: MeshService, port: number): boolean {
  return service.ports.some((candidate) => candidate.number === port && candidate.protocol === 'HTTP');
}

function buildRouteConfiguration(view: ProxyView, name: string, port: number, services: readonly MeshService[]): Record<string, unknown> {
  const domains = new DomainAllocator();
  const virtualHosts = services.map((service) => ({
    name: `${service.hostname}:${port}`,
    domains: domains.claim(serviceDomains(service, port, view.proxy.namespace, view.push.mesh.clusterDomain)),
    // Per host as well: after a VirtualService edit only that host's routes are built again.
    routes: view.shared.memo(JSON.stringify(['host-routes', view.shared.routingScope(view.proxy), port, service.hostname]), () => buildHttpRoutes({
      service,
      port,
      virtualService: view.push.virtualServiceFor(service.hostname),
      resolver: view.resolver,
      matchScope: { proxy: view.proxy, port },
    })),
  })).filter((virtualHost) => virtualHost.domains.length > 0);
  const catchAll = buildCatchAllVirtualHost(view.outboundPolicy, view.proxy.interceptionMode === 'REDIRECT');
  return {
    name,
    // Clusters may arrive after routes over ADS; Envoy must not reject routes for that.
    validate_clusters: false,
    virtual_hosts: catchAll ? [...virtualHosts, catchAll] : virtualHosts,
  };
}

function byHostname(a: MeshService, b: MeshService): number {
  return a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0;
}
