/**
 * `build*`: the route configurations of a router. Virtual hosts come from the VirtualServices bound
 * to a server's Gateway (`gateways: [<ns>/<name>]`) whose hosts the server admits; a host no
 * VirtualService routes gets no virtual host, so Envoy answers 404 as Istio's gateways do.
 */
import type { ScopedConfig } from '../../push/config-index';
import type { ProxyIdentity } from '../../push/contract';
import { hostMatches } from '../../push/host-names';
import type { VirtualServiceSpec } from '../../push/istio-spec';
import type { PushContext } from '../../push/push-context';
import type { DestinationResolver } from './destination-resolver';
import { gatewayRef, GatewayListenerPlan, GatewayServerRef, parseServerHosts } from './gateway-servers';
import { buildVirtualServiceRoutes } from './http-routes';
import { DomainAllocator } from './virtual-hosts';

export interface GatewayRouteContext {
  readonly push: PushContext;
  readonly proxy: ProxyIdentity;
  readonly resolver: DestinationResolver;
}

/**
 * Istio's names: `http.<port>` for plaintext servers, by the port the router listens on (a
 * Service's target port when one maps the server's port), and one per HTTPS server, by the server's port.
 */
export function gatewayRouteName(plan: GatewayListenerPlan, ref?: GatewayServerRef): string {
  if (plan.kind === 'HTTP' || !ref) {
    return `http.${plan.listenPort}`;
  }
  const portName = ref.server.port.name ?? String(plan.serverPort);
  return `https.${plan.serverPort}.${portName}.${ref.gateway.name}.${ref.gateway.namespace}`;
}

/** One route configuration per plaintext port, and one per HTTPS server. */
export function buildGatewayRouteConfigurations(plans: readonly GatewayListenerPlan[], context: GatewayRouteContext): Record<string, unknown>[] {
  return plans.flatMap((plan) => (plan.kind === 'HTTP'
    ? [buildRouteConfiguration(gatewayRouteName(plan), plan, plan.servers, context)]
    : plan.servers.map((ref) => buildRouteConfiguration(gatewayRouteName(plan, ref), plan, [ref], context))));
}

function buildRouteConfiguration(name: string, plan: GatewayListenerPlan, servers: readonly GatewayServerRef[], context: GatewayRouteContext): Record<string, unknown> {
  const domains = new DomainAllocator();
  const virtualHosts: Record<string, unknown>[] = [];
  for (const ref of servers) {
    for (const { host, virtualService } of boundHosts(ref, context.push)) {
      const claimed = domains.claim(host === '*' ? ['*'] : [host, `${host}:*`]);
      if (claimed.length === 0) {
        continue;
      }
      virtualHosts.push({
        name: `${host}:${plan.serverPort}`,
        domains: claimed,
        routes: buildVirtualServiceRoutes(virtualService, {
          port: plan.serverPort,
          resolver: context.resolver,
          matchScope: { proxy: context.proxy, port: plan.serverPort },
          routeNamePrefix: host,
        }),
        // A plaintext server with httpsRedirect answers 301 to https for every request.
        ...(ref.server.tls?.httpsRedirect && plan.kind === 'HTTP' ? { require_tls: 'ALL' } : {}),
      });
    }
  }
  return { name, validate_clusters: false, virtual_hosts: virtualHosts };
}

/** The (host, VirtualService) pairs a server routes, in VirtualService namespace/name order. */
function boundHosts(ref: GatewayServerRef, push: PushContext): { host: string; virtualService: ScopedConfig<VirtualServiceSpec> }[] {
  const serverHosts = parseServerHosts(ref);
  const pairs: { host: string; virtualService: ScopedConfig<VirtualServiceSpec> }[] = [];
  for (const virtualService of push.allVirtualServiceConfigs()) {
    if (!bindsTo(virtualService, gatewayRef(ref.gateway))) {
      continue;
    }
    for (const vsHost of virtualService.spec.hosts ?? []) {
      const admitted = serverHosts
        .filter((serverHost) => serverHost.namespace === '*' || serverHost.namespace === virtualService.namespace)
        .map((serverHost) => narrowestHost(serverHost.host, vsHost))
        .find((host): host is string => host !== undefined);
      if (admitted) {
        pairs.push({ host: admitted, virtualService });
      }
    }
  }
  return pairs;
}

/** `gateways` entries are `<ns>/<name>` or a bare name in the VirtualService's namespace. */
function bindsTo(virtualService: ScopedConfig<VirtualServiceSpec>, gateway: string): boolean {
  return (virtualService.spec.gateways ?? [])
    .map((entry) => (entry.includes('/') ? entry : `${virtualService.namespace}/${entry}`))
    .includes(gateway);
}

/** The more specific of two overlapping host patterns, or undefined when they do not overlap. */
function narrowestHost(serverHost: string, virtualServiceHost: string): string | undefined {
  if (hostMatches(serverHost, virtualServiceHost)) {
    return virtualServiceHost;
  }
  if (hostMatches(virtualServiceHost, serverHost)) {
    return serverHost;
  }
  return undefined;
}
