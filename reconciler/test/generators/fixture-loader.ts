/** Builds a PushContext and proxy identities from the YAML fixtures, as the reconciler would. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { ingestDocuments } from '../../src/config/ingest';
import { ProxyIdentity, TYPE_URLS } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS, MeshSettings } from '../../src/push/mesh-settings';
import { PushContext } from '../../src/push/push-context';
import type { RouteWeight } from '../../src/push/rollout-weights';
import { generateProxyResources } from '../../src/xds/generators';
import { findResource } from '../support/simulate';

const FIXTURES = join(__dirname, '..', 'fixtures');

export function loadPushContext(files: readonly string[], extraYaml = '', mesh: Partial<MeshSettings> = {}, rolloutWeights: readonly RouteWeight[] = []): PushContext {
  const docs = files.map((file) => ({ source: file, text: readFileSync(join(FIXTURES, file), 'utf8') }));
  const { objects, rejected } = ingestDocuments([...docs, { source: 'inline', text: extraYaml }]);
  if (rejected.length > 0) {
    throw new Error(`fixture rejected: ${rejected.flatMap((rejection) => rejection.reasons).join('; ')}`);
  }
  return PushContext.build(objects, { ...DEFAULT_MESH_SETTINGS, ...mesh }, Date.now(), rolloutWeights);
}

export function proxy(overrides: Partial<ProxyIdentity> & Pick<ProxyIdentity, 'name' | 'namespace'>): ProxyIdentity {
  return {
    id: `sidecar~${overrides.instanceIp ?? '127.0.1.1'}~${overrides.name}.${overrides.namespace}~${overrides.namespace}.svc.cluster.local`,
    serviceAccount: 'default',
    labels: {},
    instanceIp: '127.0.1.1',
    interceptionMode: 'REDIRECT',
    metadata: {},
    ...overrides,
  };
}

export const BOOKINFO = ['bookinfo-services.yaml', 'bookinfo-routing.yaml'];

export const productpageProxy = (mode: ProxyIdentity['interceptionMode'] = 'REDIRECT') =>
  proxy({ name: 'productpage-1', namespace: 'bookinfo', labels: { app: 'productpage', version: 'v1' }, instanceIp: '127.0.1.1', interceptionMode: mode });

/** The Envoy routes productpage's sidecar gets for details, from a VirtualService whose `http` list is the YAML given. */
export function detailsRoutes(http: string): any[] {
  const push = loadPushContext(['bookinfo-services.yaml'], `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: details, namespace: bookinfo }
spec:
  hosts: [details]
  http:
${http}`);
  const routeConfig = findResource(generateProxyResources(push, productpageProxy()), TYPE_URLS.route, '9080');
  return routeConfig.virtual_hosts.find((host: any) => host.name === 'details.bookinfo.svc.cluster.local:9080').routes;
}

/** A router `ingress-0` in namespace `edge` and the Service and Gateway (HTTP on 80, host shop.example.com) selecting it. */
export const EDGE_GATEWAY_YAML = `
apiVersion: v1
kind: Service
metadata: { name: ingress, namespace: edge }
spec:
  selector: { app: ingress }
  ports: [{ name: http-80, port: 80, targetPort: 8080 }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: ingress, namespace: edge }
spec:
  selector: { app: ingress }
  servers: [{ port: { number: 80, name: http-80, protocol: HTTP }, hosts: [shop.example.com] }]
`;

export const edgeRouter = () => proxy({
  id: 'router~127.0.9.1~ingress-0.edge~edge.svc.cluster.local', name: 'ingress-0', namespace: 'edge',
  labels: { app: 'ingress' }, instanceIp: '127.0.9.1', interceptionMode: 'NONE', proxyType: 'router',
});
