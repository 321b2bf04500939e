/**
 * `build*`: inbound listeners. REDIRECT mode: `virtualInbound` on 15006 receives captured traffic
 * and picks a filter chain by original destination port. NONE mode: one listener per Sidecar
 * ingress port on its real address. Both deliver to `inbound|<port>||`, the local application.
 */
import { SIDECAR_PORTS } from '../../model';
import { INBOUND_PASSTHROUGH_CLUSTER, VIRTUAL_INBOUND_LISTENER, inboundClusterName, inboundListenerName } from '../naming';
import { ORIGINAL_DST_LISTENER_FILTER, TLS_INSPECTOR_LISTENER_FILTER, typedFilter } from './envoy-extensions';
import type { InboundTls } from './extension-points';
import { buildHttpConnectionManager, buildTcpProxy } from './network-filters';
import type { InboundPortPlan, ProxyView } from './proxy-view';
import { INBOUND_CLIENT_CERT_HCM_FIELDS } from './security/mtls';

export function buildInboundListeners(view: ProxyView): Record<string, unknown>[] {
  if (view.proxy.interceptionMode === 'REDIRECT') {
    return [buildVirtualInbound(view)];
  }
  return view.inboundPorts.map((plan) => {
    const { chains, inspectsTls } = buildPortChains(view, plan, false);
    return {
      name: inboundListenerName(plan.bind, plan.port),
      address: { socket_address: { address: plan.bind, port_value: plan.port } },
      traffic_direction: 'INBOUND',
      ...(inspectsTls ? { listener_filters: [typedFilter(TLS_INSPECTOR_LISTENER_FILTER)] } : {}),
      filter_chains: chains,
    };
  });
}

function buildVirtualInbound(view: ProxyView): Record<string, unknown> {
  const perPort = view.inboundPorts.map((plan) => buildPortChains(view, plan, true));
  const inspectsTls = perPort.some((port) => port.inspectsTls);
  return {
    name: VIRTUAL_INBOUND_LISTENER,
    address: { socket_address: { address: '0.0.0.0', port_value: SIDECAR_PORTS.inboundCapture } },
    traffic_direction: 'INBOUND',
    listener_filters: [
      typedFilter(ORIGINAL_DST_LISTENER_FILTER),
      ...(inspectsTls ? [typedFilter(TLS_INSPECTOR_LISTENER_FILTER)] : []),
    ],
    filter_chains: perPort.flatMap((port) => port.chains),
    // Ports no service declares are delivered untouched, as Istio does.
    default_filter_chain: { filters: [buildTcpProxy('InboundPassthroughCluster', INBOUND_PASSTHROUGH_CLUSTER)] },
  };
}

/** The chains of one inbound port: one plaintext chain, or TLS (+ plaintext when permissive). */
function buildPortChains(view: ProxyView, plan: InboundPortPlan, matchPort: boolean): { chains: Record<string, unknown>[]; inspectsTls: boolean } {
  const context = { push: view.push, proxy: view.proxy, port: plan.port, protocol: plan.protocol };
  const tls: InboundTls | undefined = view.extensions.inboundTls?.(context);
  const filters = plan.protocol === 'HTTP'
    ? [buildHttpConnectionManager({
      statPrefix: `inbound_${plan.port}`,
      routes: { inline: inboundRouteConfig(plan.port) },
      extraHttpFilters: view.extensions.inboundHttpFilters?.(context),
      routeLevelFilters: false,
      extraFields: INBOUND_CLIENT_CERT_HCM_FIELDS,
    })]
    : [...(view.extensions.inboundNetworkFilters?.(context) ?? []), buildTcpProxy(`inbound_${plan.port}`, inboundClusterName(plan.port))];
  const portMatch = matchPort ? { destination_port: plan.port } : {};
  if (!tls) {
    return { chains: [{ ...(matchPort ? { filter_chain_match: portMatch } : {}), filters }], inspectsTls: false };
  }
  const chains: Record<string, unknown>[] = [
    { filter_chain_match: { ...portMatch, transport_protocol: 'tls' }, filters, transport_socket: tls.transportSocket },
  ];
  if (tls.allowPlaintext) {
    chains.push({ filter_chain_match: { ...portMatch, transport_protocol: 'raw_buffer' }, filters });
  }
  return { chains, inspectsTls: true };
}

function inboundRouteConfig(port: number): Record<string, unknown> {
  const cluster = inboundClusterName(port);
  return {
    name: cluster,
    validate_clusters: false,
    virtual_hosts: [{
      name: `inbound|http|${port}`,
      domains: ['*'],
      routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: '0s' } }],
    }],
  };
}
