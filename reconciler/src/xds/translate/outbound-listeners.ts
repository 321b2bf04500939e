/**
 * `build*`: outbound listeners. REDIRECT mode: `virtualOutbound` on 15001 receives captured
 * traffic and hands it (use_original_dst) to a `0.0.0.0_<port>` listener that binds nothing.
 * NONE mode: each planned listener binds its real address and port.
 */
import { SIDECAR_PORTS } from '../../model';
import type { MeshService } from '../../push/service-model';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER, VIRTUAL_OUTBOUND_LISTENER, outboundClusterName, outboundListenerName, outboundRouteName } from '../naming';
import { buildHttpConnectionManager, buildTcpProxy } from './network-filters';
import type { OutboundListenerPlan, ProxyView } from './proxy-view';

export function buildOutboundListeners(view: ProxyView): Record<string, unknown>[] {
  const redirect = view.proxy.interceptionMode === 'REDIRECT';
  const listeners = view.outboundListeners.map((plan) => buildPortListener(view, plan, redirect));
  return redirect ? [buildVirtualOutbound(view), ...listeners] : listeners;
}

function buildPortListener(view: ProxyView, plan: OutboundListenerPlan, redirect: boolean): Record<string, unknown> {
  const statPrefix = `outbound_${outboundListenerName(plan.bind, plan.port)}`;
  const httpServices = plan.services.filter((service) => portOf(service, plan.port)?.protocol === 'HTTP');
  const tcpServices = plan.services.filter((service) => portOf(service, plan.port)?.protocol === 'TCP');

  // Captured TCP services sharing a port are told apart by their virtual IP, HTTP ones by the Host
  // header. A listener bound to a real address (NONE mode) is only ever dialled for itself.
  const byAddress = redirect ? tcpServices.filter((service) => service.addresses.length > 0) : [];
  const filterChains: Record<string, unknown>[] = byAddress
    .map((service) => ({
      filter_chain_match: { prefix_ranges: service.addresses.map(cidrRange) },
      filters: [buildTcpProxy(statPrefix, outboundClusterName(plan.port, undefined, service.hostname))],
    }));
  let defaultFilters: Record<string, unknown>[];
  if (httpServices.length > 0) {
    defaultFilters = [buildHttpConnectionManager({ statPrefix, routes: { rdsName: outboundRouteName(plan.port) }, routeLevelFilters: true })];
  } else {
    const unaddressed = tcpServices.filter((service) => !byAddress.includes(service));
    const cluster = unaddressed.length > 0
      ? outboundClusterName(plan.port, undefined, unaddressed[0].hostname)
      : fallbackCluster(view);
    defaultFilters = [buildTcpProxy(statPrefix, cluster)];
  }
  filterChains.push({ filters: defaultFilters });
  return {
    name: outboundListenerName(plan.bind, plan.port),
    address: { socket_address: { address: plan.bind, port_value: plan.port } },
    traffic_direction: 'OUTBOUND',
    // Captured connections arrive through virtualOutbound; this listener must not own the port.
    ...(redirect ? { bind_to_port: false } : {}),
    filter_chains: filterChains,
  };
}

/** Receives all captured outbound connections and passes each to the listener of its original port. */
function buildVirtualOutbound(view: ProxyView): Record<string, unknown> {
  return {
    name: VIRTUAL_OUTBOUND_LISTENER,
    address: { socket_address: { address: '0.0.0.0', port_value: SIDECAR_PORTS.outboundCapture } },
    use_original_dst: true,
    traffic_direction: 'OUTBOUND',
    filter_chains: [{ filters: [buildTcpProxy(VIRTUAL_OUTBOUND_LISTENER, fallbackCluster(view))] }],
  };
}

function fallbackCluster(view: ProxyView): string {
  return view.outboundPolicy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
}

function portOf(service: MeshService, port: number) {
  return service.ports.find((candidate) => candidate.number === port);
}

function cidrRange(address: string): Record<string, unknown> {
  const [prefix, length] = address.split('/');
  return { address_prefix: prefix, prefix_len: length !== undefined ? Number(length) : prefix.includes(':') ? 128 : 32 };
}
