/**
 * `build*`: API listeners for proxyless gRPC clients. A gRPC channel to `xds:///<host>:<port>`
 * subscribes to the listener named `<host>:<port>` and expects no socket, only an `api_listener`
 * holding an HTTP connection manager that fetches the port's routes over RDS. The clients are
 * recognised as Istio does, by `GENERATOR: grpc` in the node metadata.
 */
import type { ProxyIdentity } from '../../push/contract';
import { outboundRouteName } from '../naming';
import { ADS_CONFIG_SOURCE, HTTP_CONNECTION_MANAGER, ROUTER_FILTER, typedFilter } from './envoy-extensions';
import type { ProxyView } from './proxy-view';
import { serviceDomains } from './virtual-hosts';

/** The node metadata key and value a proxyless gRPC bootstrap sets. */
export const GENERATOR_METADATA = { key: 'GENERATOR', grpc: 'grpc' } as const;

export function isProxylessGrpc(proxy: Pick<ProxyIdentity, 'metadata'>): boolean {
  return proxy.metadata[GENERATOR_METADATA.key] === GENERATOR_METADATA.grpc;
}

/**
 * One API listener per name a client may dial for each HTTP service port (`<fqdn>:<port>`,
 * `<name>.<ns>.svc:<port>`, …, like the route domains), all sharing the port's route configuration.
 */
export function buildApiListeners(view: ProxyView): Record<string, unknown>[] {
  const listeners = new Map<string, Record<string, unknown>>();
  for (const plan of view.outboundListeners) {
    for (const service of plan.services) {
      if (!service.ports.some((port) => port.number === plan.port && port.protocol === 'HTTP')) continue;
      const names = serviceDomains(service, plan.port, view.proxy.namespace, view.push.mesh.clusterDomain)
        .filter((domain) => domain.endsWith(`:${plan.port}`) && !isIpAddress(domain.slice(0, -`:${plan.port}`.length)));
      for (const name of names) {
        if (!listeners.has(name)) listeners.set(name, apiListener(name, plan.port));
      }
    }
  }
  return [...listeners.values()];
}

function apiListener(name: string, port: number): Record<string, unknown> {
  const connectionManager = typedFilter(HTTP_CONNECTION_MANAGER, {
    stat_prefix: name,
    rds: { config_source: ADS_CONFIG_SOURCE, route_config_name: outboundRouteName(port) },
    // gRPC runs only the filters it implements; the router is the one it requires, last.
    http_filters: [typedFilter(ROUTER_FILTER)],
  });
  return { name, api_listener: { api_listener: connectionManager.typed_config } };
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
