/**
 * Sidecar scoping as plain Istio YAML: a Sidecar selecting the client narrows the hosts its sidecar
 * is given (`./host`, `namespace/host`, `*` namespaces, `namespace/*`), and its
 * `outboundTrafficPolicy` decides what a host outside the view gets. Compared on both the answers
 * and on the hosts and clusters each side gives the client. The probe host is always in view: the
 * marker routes of a case go there.
 */
import type { DifferentialCase, RequestClass } from './differential-case';
import { CLIENT_POD, hostOf, MESH_NAMESPACE, SERVICE_PORT } from './mesh-under-test';
import { LEGACY_ENDPOINTS, LEGACY_HOST } from './service-entry-cases';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

const PROBE = hostOf('probe');
const REVIEWS = hostOf('reviews');
const RATINGS = hostOf('ratings');

function clientSidecar(egressHosts: readonly string[], outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY'): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: 'client-scope', namespace: MESH_NAMESPACE },
    spec: {
      workloadSelector: { labels: { app: CLIENT_POD.app } },
      egress: [{ hosts: [...egressHosts] }],
      ...(outboundTrafficPolicy ? { outboundTrafficPolicy: { mode: outboundTrafficPolicy } } : {}),
    },
  };
}

const legacyEntry: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'legacy', namespace: MESH_NAMESPACE },
  spec: {
    hosts: [LEGACY_HOST],
    location: 'MESH_EXTERNAL',
    ports: [{ number: SERVICE_PORT, name: 'http', protocol: 'HTTP' }],
    resolution: 'STATIC',
    endpoints: LEGACY_ENDPOINTS.map((endpoint) => ({ address: endpoint.address })),
  },
};

const reviewsRoute: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: MESH_NAMESPACE },
  spec: { hosts: [REVIEWS], http: [{ match: [{ uri: { prefix: '/v3' } }], route: [{ destination: { host: REVIEWS, subset: 'v3' } }] }, { route: [{ destination: { host: REVIEWS, subset: 'v1' } }] }] },
};

const get = (name: string, authority: string, repeat = 2): RequestClass => ({ name, request: { path: '/', authority }, repeat });

export const SIDECAR_SCOPE_CASES: readonly DifferentialCase[] = [
  {
    id: 'sidecar-egress-hosts-registry-only',
    description: 'a Sidecar giving the client two hosts of its own namespace, REGISTRY_ONLY: every other host answers 502',
    objects: [clientSidecar([`./${PROBE}`, `./${REVIEWS}`], 'REGISTRY_ONLY'), reviewsRoute],
    compareScope: true,
    requests: [
      { name: 'a host in view', request: { path: '/v3/items', authority: REVIEWS }, repeat: 2 },
      get('a host in view, routed to v1', REVIEWS),
      get('a Service out of view', RATINGS),
      get('its short name', 'ratings'),
      get('a host nobody knows', 'nowhere.example.com'),
    ],
  },
  {
    id: 'sidecar-egress-any-namespace',
    description: 'hosts from any namespace (`*/host`) and a ServiceEntry of its own namespace, REGISTRY_ONLY',
    objects: [legacyEntry, clientSidecar([`*/${PROBE}`, `*/${RATINGS}`, `./${LEGACY_HOST}`], 'REGISTRY_ONLY')],
    clusters: [`outbound|${SERVICE_PORT}||${LEGACY_HOST}`],
    compareScope: true,
    requests: [get('a Service in view', RATINGS, 200), get('the ServiceEntry in view', LEGACY_HOST, 200), get('a Service out of view', REVIEWS)],
  },
  {
    id: 'sidecar-egress-namespace-wildcard',
    description: 'every host of the namespace (`diff/*`) and nothing of istio-system, the ServiceEntry and the Services both in view',
    objects: [legacyEntry, clientSidecar([`${MESH_NAMESPACE}/*`], 'REGISTRY_ONLY'), reviewsRoute],
    clusters: [`outbound|${SERVICE_PORT}||${LEGACY_HOST}`],
    compareScope: true,
    requests: [get('a routed Service', REVIEWS), get('another Service', RATINGS, 200), get('the ServiceEntry', LEGACY_HOST, 200), get('a host nobody knows', 'nowhere.example.com')],
  },
  {
    id: 'sidecar-egress-wildcard-host',
    description: 'a DNS wildcard in the egress host (`*/*.example.com`) admits the ServiceEntry and no Service, ALLOW_ANY left as the default',
    objects: [legacyEntry, clientSidecar([`./${PROBE}`, '*/*.example.com'])],
    clusters: [`outbound|${SERVICE_PORT}||${LEGACY_HOST}`],
    compareScope: true,
    requests: [get('the ServiceEntry', LEGACY_HOST, 200)],
  },
  {
    id: 'sidecar-egress-ports',
    description: 'egress listeners with ports, REGISTRY_ONLY: the service port for two hosts, and a port no service has for a third',
    objects: [{
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: 'client-scope', namespace: MESH_NAMESPACE },
      spec: {
        workloadSelector: { labels: { app: CLIENT_POD.app } },
        egress: [
          { port: { number: SERVICE_PORT, name: 'http', protocol: 'HTTP' }, hosts: [`./${PROBE}`, `./${REVIEWS}`] },
          { port: { number: 9999, name: 'http-other', protocol: 'HTTP' }, hosts: [`./${RATINGS}`] },
        ],
        outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      },
    }],
    compareScope: true,
    requests: [get('a host on the service port', REVIEWS), get('a host only on the other port', RATINGS)],
  },
];
