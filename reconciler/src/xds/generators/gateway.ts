/**
 * Generation for routers (gateway proxies): listeners from the Gateways selecting the router,
 * routes from the VirtualServices bound to them, and the same outbound clusters, endpoints and
 * mesh certificates a sidecar gets, so a gateway reaches services (and subsets) with mesh mTLS.
 */
import type { ProxyIdentity, ProxyResources, TypeUrl, XdsResource } from '../../push/contract';
import { TYPE_URLS } from '../../push/contract';
import { visibleServices } from '../../push/proxy-scope';
import type { PushContext } from '../../push/push-context';
import { DestinationResolver } from '../translate/destination-resolver';
import type { SecurityExtensions } from '../translate/extension-points';
import { credentialSecrets } from '../translate/gateway-credentials';
import { accessLogsFor, withAccessLogs } from '../translate/access-log';
import { buildGatewayListeners } from '../translate/gateway-listeners';
import { buildGatewayRouteConfigurations } from '../translate/gateway-routes';
import { planGatewayListeners } from '../translate/gateway-servers';
import type { ProxyView } from '../translate/proxy-view';
import { generateClusters } from './cds';
import { generateEndpoints } from './eds';
import { sharedGenerationFor } from './shared-generation';

export function generateGatewayResources(push: PushContext, proxy: ProxyIdentity, extensions: SecurityExtensions): ProxyResources {
  // Sidecar objects configure sidecars only; a router sees every service exported to it.
  const view: ProxyView = {
    push,
    proxy,
    extensions,
    services: visibleServices(push, proxy, undefined),
    outboundPolicy: push.mesh.outboundTrafficPolicy,
    outboundListeners: [],
    inboundPorts: [],
    resolver: new DestinationResolver(push, proxy),
    shared: sharedGenerationFor(push, extensions),
  };
  const plans = planGatewayListeners(push, proxy);
  const servers = plans.flatMap((plan) => plan.servers);
  const named = (resources: readonly Record<string, unknown>[]): XdsResource[] => resources
    .map((resource) => ({ name: resource.name as string, resource }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return new Map<TypeUrl, XdsResource[]>([
    [TYPE_URLS.cluster, generateClusters(view)],
    [TYPE_URLS.endpoint, generateEndpoints(view)],
    [TYPE_URLS.listener, named(buildGatewayListeners(view, plans).map((listener) => withAccessLogs(listener, accessLogsFor(push.mesh))))],
    [TYPE_URLS.route, named(buildGatewayRouteConfigurations(plans, { push, proxy, resolver: view.resolver }))],
    [TYPE_URLS.secret, [...(extensions.secrets?.(push, proxy) ?? []), ...credentialSecrets(servers, push, proxy.namespace)]],
  ]);
}
