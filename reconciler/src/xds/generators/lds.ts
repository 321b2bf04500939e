/** LDS: outbound and inbound listeners for the proxy's interception mode. */
import type { XdsResource } from '../../push/contract';
import { accessLogsFor, withAccessLogs } from '../translate/access-log';
import { buildInboundListeners } from '../translate/inbound-listeners';
import { buildOutboundListeners } from '../translate/outbound-listeners';
import type { ProxyView } from '../translate/proxy-view';

export function generateListeners(view: ProxyView): XdsResource[] {
  const accessLogs = accessLogsFor(view.push.mesh);
  return [...buildOutboundListeners(view), ...buildInboundListeners(view)]
    .map((listener) => ({ name: listener.name as string, resource: withAccessLogs(listener, accessLogs) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
