/**
 * `build*`: the listeners of a router, one per Gateway server port. Plaintext servers share one
 * chain routed by `http.<port>`; each HTTPS server terminates TLS in its own chain, picked by SNI
 * among the server's hosts, with its own route configuration.
 */
import { TLS_INSPECTOR_LISTENER_FILTER, typedFilter } from './envoy-extensions';
import { serverCertificateConfig } from './gateway-credentials';
import { gatewayRouteName } from './gateway-routes';
import { GatewayListenerPlan, parseServerHosts } from './gateway-servers';
import { buildHttpConnectionManager } from './network-filters';
import type { ProxyView } from './proxy-view';
import { TLS_TRANSPORT_SOCKET } from './security/mtls';

const DOWNSTREAM_TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const ALPN_PROTOCOLS = ['h2', 'http/1.1'];

/** Gateways face clients outside the mesh: the client address comes from the connection. */
const EDGE_HCM_FIELDS = { use_remote_address: true } as const;

export function buildGatewayListeners(view: ProxyView, plans: readonly GatewayListenerPlan[]): Record<string, unknown>[] {
  return plans.map((plan) => buildListener(view, plan)).filter((listener): listener is Record<string, unknown> => listener !== undefined);
}

function buildListener(view: ProxyView, plan: GatewayListenerPlan): Record<string, unknown> | undefined {
  const statPrefix = `${plan.bind}_${plan.listenPort}`;
  // RequestAuthentications and AuthorizationPolicies selecting the router apply at its edge, as
  // on a sidecar's inbound port; a policy's ports are the ports the router listens on.
  const securityFilters = view.extensions.inboundHttpFilters?.({ push: view.push, proxy: view.proxy, port: plan.listenPort, protocol: 'HTTP' });
  const connectionManager = (routeName: string) => buildHttpConnectionManager({
    statPrefix, routes: { rdsName: routeName }, routeLevelFilters: true, extraFields: EDGE_HCM_FIELDS, extraHttpFilters: securityFilters,
  });
  const chains = plan.kind === 'HTTP'
    ? [{ filters: [connectionManager(gatewayRouteName(plan))] }]
    : plan.servers.flatMap((ref) => {
      const certificate = serverCertificateConfig(ref, view.push, view.proxy.namespace);
      if (!certificate) {
        return [];
      }
      const serverNames = parseServerHosts(ref).map((host) => host.host).filter((host) => host !== '*');
      return [{
        ...(serverNames.length > 0 ? { filter_chain_match: { server_names: [...new Set(serverNames)].sort() } } : {}),
        filters: [connectionManager(gatewayRouteName(plan, ref))],
        transport_socket: {
          name: TLS_TRANSPORT_SOCKET,
          typed_config: { '@type': DOWNSTREAM_TLS_CONTEXT, 'common_tls_context': { alpn_protocols: ALPN_PROTOCOLS, ...certificate } },
        },
      }];
    });
  if (chains.length === 0) {
    return undefined;
  }
  return {
    name: `${plan.bind}_${plan.listenPort}`,
    address: { socket_address: { address: plan.bind, port_value: plan.listenPort } },
    traffic_direction: 'OUTBOUND',
    ...(plan.kind === 'HTTPS' ? { listener_filters: [typedFilter(TLS_INSPECTOR_LISTENER_FILTER)] } : {}),
    filter_chains: chains,
  };
}
