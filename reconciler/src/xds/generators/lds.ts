/** LDS: outbound and inbound listeners for the proxy's interception mode. */
import type { XdsResource } from '../../push/contract';
import { accessLogsFor, withAccessLogs } from '../translate/access-log';
import { buildInboundListeners } from '../translate/inbound-listeners';
import { buildOutboundListeners } from '../translate/outbound-listeners';
import type { ProxyView } from '../translate/proxy-view';

export function generateListeners(view: ProxyView): XdsResource[] {
  const accessLogs = accessLogsFor(view.push.mesh);
  const asResource = (listener: Record<string, unknown>): XdsResource => ({ name: listener.name as string, resource: withAccessLogs(listener, accessLogs) });
  // Outbound listeners follow only from the planned binds, ports and services: captured (REDIRECT)
  // proxies of a scope share them (they bind 0.0.0.0), a NONE-mode proxy keeps its own (they bind
  // its address), and a push that changed only endpoints or routes keeps them all, neither rebuilt
  // nor encoded again.
  const outbound = view.shared.memo(JSON.stringify(['lds-outbound', view.proxy.interceptionMode, view.outboundPolicy,
    view.outboundListeners.map((plan) => [plan.bind, plan.port, view.shared.servicesKey(plan.services)])]), () => buildOutboundListeners(view).map(asResource));
  return [...outbound, ...buildInboundListeners(view).map(asResource)]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
