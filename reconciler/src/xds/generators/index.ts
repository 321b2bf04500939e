/**
 * Generation entry point: one pure generator per xDS type, registered by type URL, all reading the
 * same per-proxy view. Output is deterministic: identical config yields identical resources.
 */
import type { ProxyIdentity, ProxyResources, TypeUrl, XdsResource } from '../../push/contract';
import { TYPE_URLS } from '../../push/contract';
import type { PushContext } from '../../push/push-context';
import { NO_SECURITY_EXTENSIONS, SecurityExtensions } from '../translate/extension-points';
import { isProxylessGrpc } from '../translate/proxyless-listeners';
import { buildProxyView, ProxyView } from '../translate/proxy-view';
import { generateClusters } from './cds';
import { generateEndpoints } from './eds';
import { generateGatewayResources } from './gateway';
import { generateListeners } from './lds';
import { generateProxylessResources } from './proxyless';
import { generateRoutes } from './rds';

export type ResourceGenerator = (view: ProxyView) => XdsResource[];

export const GENERATORS: ReadonlyMap<TypeUrl, ResourceGenerator> = new Map<TypeUrl, ResourceGenerator>([
  [TYPE_URLS.cluster, generateClusters],
  [TYPE_URLS.endpoint, generateEndpoints],
  [TYPE_URLS.listener, generateListeners],
  [TYPE_URLS.route, generateRoutes],
  [TYPE_URLS.secret, (view) => [...(view.extensions.secrets?.(view.push, view.proxy) ?? [])]],
]);

export function generateProxyResources(push: PushContext, proxy: ProxyIdentity, extensions: SecurityExtensions = NO_SECURITY_EXTENSIONS): ProxyResources {
  if (proxy.proxyType === 'router') {
    return generateGatewayResources(push, proxy, extensions);
  }
  const view = buildProxyView(push, proxy, extensions);
  if (isProxylessGrpc(proxy)) {
    return generateProxylessResources(view);
  }
  return new Map([...GENERATORS.entries()].map(([typeUrl, generate]) => [typeUrl, generate(view)]));
}
