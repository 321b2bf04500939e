/**
 * ServiceEntries as plain Istio YAML: hosts outside the registry with static endpoints or with
 * WorkloadEntries chosen by a workload selector, their endpoint labels as DestinationRule subsets,
 * DNS and DNS_ROUND_ROBIN resolution (Envoy resolves the endpoints itself, given as addresses or as
 * names the suite's hosts file knows), resolution NONE (an original-destination cluster), and
 * VirtualServices routing on them. The endpoints are echo
 * backends of their own (`legacy`), which no Kubernetes Service selects.
 */
import type { DifferentialCase, RequestClass } from './differential-case';
import { MESH_NAMESPACE, MeshPod, SERVICE_PORT } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

export const LEGACY_HOST = 'legacy.example.com';
const OTHER_HOST = 'archive.example.com';

/** The external endpoints: echo backends that say `legacy/v1` and `legacy/v2`. */
export const LEGACY_ENDPOINTS: readonly MeshPod[] = ['v1', 'v2'].map((version, index) => ({
  app: 'legacy',
  version,
  name: `legacy-${version}`,
  namespace: MESH_NAMESPACE,
  serviceAccount: 'legacy',
  address: `198.18.251.${index + 1}`,
  labels: { app: 'legacy', version },
}));

/** Names Envoy resolves through the suite's hosts file: one per endpoint, and a host name of its own. */
const BACKEND_DOMAIN = 'backends.internal';
const endpointName = (endpoint: MeshPod) => `${endpoint.name}.${BACKEND_DOMAIN}`;
const RESOLVED_HOST = `legacy-alias.${BACKEND_DOMAIN}`;
export const LEGACY_HOST_NAMES: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(LEGACY_ENDPOINTS.map((endpoint) => [endpointName(endpoint), [endpoint.address]])),
  [RESOLVED_HOST]: [LEGACY_ENDPOINTS[0].address],
};

const object = (kind: string, name: string, spec: Record<string, unknown>, group = 'networking.istio.io/v1'): KubeObject =>
  ({ apiVersion: group, kind, metadata: { name, namespace: MESH_NAMESPACE }, spec });

const HTTP_PORT = { number: SERVICE_PORT, name: 'http', protocol: 'HTTP' };

function staticEntry(name: string, hosts: string[]): KubeObject {
  return object('ServiceEntry', name, {
    hosts,
    location: 'MESH_EXTERNAL',
    ports: [HTTP_PORT],
    resolution: 'STATIC',
    endpoints: LEGACY_ENDPOINTS.map((endpoint) => ({ address: endpoint.address, labels: { version: endpoint.version } })),
  });
}

/** Endpoints Envoy resolves itself: their addresses, or (`byName`) their names in the hosts file. */
function dnsEntry(name: string, resolution: 'DNS' | 'DNS_ROUND_ROBIN', endpoints: readonly MeshPod[], byName = false): KubeObject {
  return object('ServiceEntry', name, {
    hosts: [LEGACY_HOST],
    location: 'MESH_EXTERNAL',
    ports: [HTTP_PORT],
    resolution,
    endpoints: endpoints.map((endpoint) => ({ address: byName ? endpointName(endpoint) : endpoint.address, labels: { version: endpoint.version } })),
  });
}

const OPAQUE_HOST = 'opaque.example.com';
/** Envoy's original-destination header: neither side lets a request pick its destination with it. */
const ORIGINAL_DESTINATION_HEADER = 'x-envoy-original-dst-host';

const plainRoute = (host: string): KubeObject => object('VirtualService', host.split('.')[0], { hosts: [host], http: [{ route: [{ destination: { host } }] }] });

const subsets = (host: string): KubeObject => object('DestinationRule', host.split('.')[0], {
  host, subsets: LEGACY_ENDPOINTS.map((endpoint) => ({ name: endpoint.version, labels: { version: endpoint.version } })),
});

const get = (name: string, authority: string, extra: Partial<RequestClass['request']> = {}, repeat = 2): RequestClass =>
  ({ name, request: { path: '/', authority, ...extra }, repeat });

const subsetClusters = (host: string) => ['', 'v1', 'v2'].map((subset) => `outbound|${SERVICE_PORT}|${subset}|${host}`);
const defaultCluster = (host: string) => `outbound|${SERVICE_PORT}||${host}`;

export const SERVICE_ENTRY_CASES: readonly DifferentialCase[] = [
  {
    id: 'service-entry-static',
    description: 'a STATIC ServiceEntry with two endpoints: both share the traffic',
    objects: [staticEntry('legacy', [LEGACY_HOST]), plainRoute(LEGACY_HOST)],
    clusters: [`outbound|${SERVICE_PORT}||${LEGACY_HOST}`],
    requests: [
      get('the host', LEGACY_HOST, {}, 400),
      get('the host with the port', `${LEGACY_HOST}:${SERVICE_PORT}`, {}, 200),
      get('another path', LEGACY_HOST, { path: '/orders/7' }, 200),
    ],
  },
  {
    id: 'service-entry-subsets',
    description: 'endpoint labels as DestinationRule subsets, a header routes to v2',
    objects: [
      staticEntry('legacy', [LEGACY_HOST]),
      subsets(LEGACY_HOST),
      object('VirtualService', 'legacy', {
        hosts: [LEGACY_HOST],
        http: [
          { match: [{ headers: { 'x-case-user': { exact: 'beta' } } }], route: [{ destination: { host: LEGACY_HOST, subset: 'v2' } }] },
          { route: [{ destination: { host: LEGACY_HOST, subset: 'v1' } }], retries: { attempts: 2, retryOn: '5xx' } },
        ],
      }),
    ],
    clusters: subsetClusters(LEGACY_HOST),
    requests: [
      get('the beta user', LEGACY_HOST, { headers: { 'x-case-user': 'beta' } }),
      get('anyone else', LEGACY_HOST, { headers: { 'x-case-user': 'alpha' } }),
      get('backend fails, retried', LEGACY_HOST, { headers: { 'x-backend-status': '503' } }),
    ],
  },
  {
    id: 'service-entry-workload-entries',
    description: 'a ServiceEntry whose endpoints are WorkloadEntries chosen by labels, split 80/20 by subset',
    objects: [
      ...LEGACY_ENDPOINTS.map((endpoint) => object('WorkloadEntry', endpoint.name, { address: endpoint.address, labels: endpoint.labels })),
      object('ServiceEntry', 'legacy', {
        hosts: [LEGACY_HOST], location: 'MESH_EXTERNAL', ports: [HTTP_PORT], resolution: 'STATIC', workloadSelector: { labels: { app: 'legacy' } },
      }),
      subsets(LEGACY_HOST),
      object('VirtualService', 'legacy', {
        hosts: [LEGACY_HOST],
        http: [{ route: [{ destination: { host: LEGACY_HOST, subset: 'v1' }, weight: 80 }, { destination: { host: LEGACY_HOST, subset: 'v2' }, weight: 20 }] }],
      }),
    ],
    clusters: subsetClusters(LEGACY_HOST),
    requests: [get('split', LEGACY_HOST, {}, 600)],
  },
  {
    id: 'service-entry-two-hosts',
    description: 'one ServiceEntry for two hosts, a VirtualService on one of them only',
    objects: [
      staticEntry('legacy', [LEGACY_HOST, OTHER_HOST]),
      subsets(LEGACY_HOST),
      object('VirtualService', 'legacy', {
        hosts: [LEGACY_HOST],
        http: [{ match: [{ uri: { prefix: '/v2' } }], route: [{ destination: { host: LEGACY_HOST, subset: 'v2' } }] }, { route: [{ destination: { host: LEGACY_HOST, subset: 'v1' } }] }],
      }),
      plainRoute(OTHER_HOST),
    ],
    clusters: [...subsetClusters(LEGACY_HOST), `outbound|${SERVICE_PORT}||${OTHER_HOST}`],
    requests: [
      get('the routed host under /v2', LEGACY_HOST, { path: '/v2/items' }),
      get('the routed host elsewhere', LEGACY_HOST, { path: '/items' }),
      get('the other host', OTHER_HOST, {}, 400),
    ],
  },
  {
    id: 'service-entry-dns',
    description: 'a DNS ServiceEntry whose endpoints are addresses: Envoy resolves them and both share the traffic',
    objects: [dnsEntry('legacy', 'DNS', LEGACY_ENDPOINTS), plainRoute(LEGACY_HOST)],
    clusters: [defaultCluster(LEGACY_HOST)],
    comparedClusters: [defaultCluster(LEGACY_HOST)],
    // Both endpoints answer either class: enough of each for the shares to be compared.
    requests: [get('the host', LEGACY_HOST, {}, 400), get('backend fails', LEGACY_HOST, { headers: { 'x-backend-status': '503' } }, 100)],
  },
  {
    id: 'service-entry-dns-subsets',
    description: 'a DNS ServiceEntry with endpoint labels as DestinationRule subsets: each subset cluster resolves its own endpoints',
    objects: [
      dnsEntry('legacy', 'DNS', LEGACY_ENDPOINTS),
      subsets(LEGACY_HOST),
      object('VirtualService', 'legacy', {
        hosts: [LEGACY_HOST],
        http: [
          { match: [{ uri: { prefix: '/v2' } }], route: [{ destination: { host: LEGACY_HOST, subset: 'v2' } }] },
          { route: [{ destination: { host: LEGACY_HOST, subset: 'v1' }, weight: 70 }, { destination: { host: LEGACY_HOST, subset: 'v2' }, weight: 30 }] },
        ],
      }),
    ],
    clusters: subsetClusters(LEGACY_HOST),
    comparedClusters: subsetClusters(LEGACY_HOST),
    requests: [get('under /v2', LEGACY_HOST, { path: '/v2/items' }), get('split', LEGACY_HOST, {}, 500)],
  },
  {
    id: 'service-entry-dns-round-robin',
    description: 'a DNS_ROUND_ROBIN ServiceEntry with one endpoint: one logical host',
    objects: [dnsEntry('legacy', 'DNS_ROUND_ROBIN', LEGACY_ENDPOINTS.slice(1)), plainRoute(LEGACY_HOST)],
    clusters: [defaultCluster(LEGACY_HOST)],
    comparedClusters: [defaultCluster(LEGACY_HOST)],
    requests: [get('the host', LEGACY_HOST, {}, 20), get('another path', LEGACY_HOST, { path: '/orders/7' })],
  },
  {
    id: 'service-entry-dns-endpoint-names',
    description: 'a DNS ServiceEntry whose endpoints are names: Envoy resolves each, and the subsets and split follow their labels',
    objects: [
      dnsEntry('legacy', 'DNS', LEGACY_ENDPOINTS, true),
      subsets(LEGACY_HOST),
      object('VirtualService', 'legacy', {
        hosts: [LEGACY_HOST],
        http: [
          { match: [{ uri: { prefix: '/v2' } }], route: [{ destination: { host: LEGACY_HOST, subset: 'v2' } }] },
          { route: [{ destination: { host: LEGACY_HOST, subset: 'v1' }, weight: 80 }, { destination: { host: LEGACY_HOST, subset: 'v2' }, weight: 20 }] },
        ],
      }),
    ],
    clusters: subsetClusters(LEGACY_HOST),
    comparedClusters: subsetClusters(LEGACY_HOST),
    requests: [get('under /v2', LEGACY_HOST, { path: '/v2/items' }), get('split', LEGACY_HOST, {}, 500)],
  },
  {
    id: 'service-entry-dns-host-name',
    description: 'a DNS ServiceEntry without endpoints: Envoy resolves the host itself',
    objects: [
      object('ServiceEntry', 'legacy-alias', { hosts: [RESOLVED_HOST], location: 'MESH_EXTERNAL', ports: [HTTP_PORT], resolution: 'DNS' }),
      plainRoute(RESOLVED_HOST),
    ],
    clusters: [defaultCluster(RESOLVED_HOST)],
    comparedClusters: [defaultCluster(RESOLVED_HOST)],
    requests: [get('the host', RESOLVED_HOST, {}, 20), get('backend fails', RESOLVED_HOST, { headers: { 'x-backend-status': '503' } })],
  },
  {
    id: 'service-entry-dns-round-robin-host-name',
    description: 'a DNS_ROUND_ROBIN ServiceEntry without endpoints: the host, resolved by Envoy, is one logical host',
    objects: [
      object('ServiceEntry', 'legacy-alias', { hosts: [RESOLVED_HOST], location: 'MESH_EXTERNAL', ports: [HTTP_PORT], resolution: 'DNS_ROUND_ROBIN' }),
      plainRoute(RESOLVED_HOST),
    ],
    clusters: [defaultCluster(RESOLVED_HOST)],
    comparedClusters: [defaultCluster(RESOLVED_HOST)],
    requests: [get('the host', RESOLVED_HOST, {}, 100)],
  },
  {
    id: 'service-entry-resolution-none',
    description: 'a ServiceEntry with resolution NONE: an original-destination cluster, which without traffic capture has no destination to pass to',
    objects: [
      object('ServiceEntry', 'opaque', { hosts: [OPAQUE_HOST], location: 'MESH_EXTERNAL', ports: [HTTP_PORT], resolution: 'NONE' }),
      plainRoute(OPAQUE_HOST),
    ],
    comparedClusters: [defaultCluster(OPAQUE_HOST)],
    requests: [
      get('no destination named', OPAQUE_HOST),
      get('a destination named in the header', OPAQUE_HOST, { headers: { [ORIGINAL_DESTINATION_HEADER]: `${LEGACY_ENDPOINTS[0].address}:${SERVICE_PORT}` } }),
    ],
  },
];
