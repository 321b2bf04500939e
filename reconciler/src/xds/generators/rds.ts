/**
 * RDS: one outbound route configuration per HTTP port, a virtual host per service on it. A route
 * configuration is decided by the port, its services, the proxy's routing scope and outbound
 * policy, and is shared between proxies within a push.
 */
import type { XdsResource } from '../../push/contract';
import type { MeshService } from '../../push/service-model';
import { outboundRouteName } from '../naming';
import { buildHttpRoutes } from '../translate/http-routes';
import type { ProxyView } from '../translate/proxy-view';
import { buildCatchAllVirtualHost, DomainAllocator, serviceDomains } from '../translate/virtual-hosts';

export function generateRoutes(view: ProxyView): XdsResource[] {
  const servicesByPort = new Map<number, Map<string, MeshService>>();
  for (const plan of view.outboundListeners) {
    for (const service of plan.services) {
      if (service.ports.some((port) => port.number === plan.port && port.protocol === 'HTTP')) {
        const services = servicesByPort.get(plan.port) ?? new Map<string, MeshService>();
        services.set(service.hostname, service);
        servicesByPort.set(plan.port, services);
      }
    }
  }
  const scope = [view.shared.routingScope(view.proxy), view.outboundPolicy];
  const perPort = [...servicesByPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, byHost]) => {
      const services = [...byHost.values()].sort(byHostname);
      return { port, services, key: JSON.stringify(['route', ...scope, port, view.shared.servicesKey(services)]) };
    });
  return view.shared.memo(JSON.stringify(['rds', ...perPort.map((entry) => entry.key)]), () => perPort.map(({ port, services, key }) =>
    view.shared.memo(key, () => {
      const name = outboundRouteName(port);
      return { name, resource: buildRouteConfiguration(view, name, port, services) };
    })));
}

function buildRouteConfiguration(view: ProxyView, name: string, port: number, services: readonly MeshService[]): Record<string, unknown> {
  const domains = new DomainAllocator();
  const virtualHosts = services.map((service) => ({
    name: `${service.hostname}:${port}`,
    domains: domains.claim(serviceDomains(service, port, view.proxy.namespace, view.push.mesh.clusterDomain)),
    routes: buildHttpRoutes({
      service,
      port,
      virtualService: view.push.virtualServiceFor(service.hostname),
      resolver: view.resolver,
      matchScope: { proxy: view.proxy, port },
    }),
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
