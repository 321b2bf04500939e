/**
 * Gateways as plain Istio YAML: VirtualServices bound to the fixed Gateway `ingress` (by its bare
 * name, `<namespace>/<name>`, and together with `mesh`), hosts the servers admit exactly, by
 * wildcard, or only for another namespace, and requests sent to each side's router.
 */
import type { DifferentialCase, RequestClass } from './differential-case';
import { FOREIGN_ONLY_HOST, GATEWAY_NAME, SECURE_HOST, SHOP_HOST } from './gateway-workload';
import { hostOf, MESH_NAMESPACE } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

const REVIEWS = hostOf('reviews');
const RATINGS = hostOf('ratings');

function route(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: MESH_NAMESPACE }, spec };
}

const get = (name: string, authority: string, extra: Partial<RequestClass['request']> = {}, repeat = 2): RequestClass =>
  ({ name, request: { path: '/', authority, ...extra }, repeat });

export const GATEWAY_CASES: readonly DifferentialCase[] = [
  {
    id: 'gateway-host-routing',
    description: 'a host the server names exactly, routed by path to subsets of two services; the port in the authority; an admitted host with no VirtualService',
    objects: [route('shop', {
      hosts: [SHOP_HOST],
      gateways: [GATEWAY_NAME],
      http: [
        { match: [{ uri: { prefix: '/reviews' } }], rewrite: { uri: '/' }, route: [{ destination: { host: REVIEWS, subset: 'v2' } }] },
        { match: [{ uri: { exact: '/ratings' } }], route: [{ destination: { host: RATINGS, subset: 'v1', port: { number: 9080 } } }], headers: { response: { set: { 'x-case-via': 'gateway' } } } },
        { route: [{ destination: { host: REVIEWS, subset: 'v1' }, weight: 75 }, { destination: { host: REVIEWS, subset: 'v3' }, weight: 25 }] },
      ],
    })],
    requests: [
      get('reviews by path', SHOP_HOST, { path: '/reviews/7' }),
      get('ratings exactly', SHOP_HOST, { path: '/ratings' }),
      get('the split', SHOP_HOST, {}, 400),
      get('the host with the port', `${SHOP_HOST}:80`, { path: '/ratings' }),
      get('an admitted host without a VirtualService', 'other.example.org'),
      get('a host no server admits', 'nowhere.example.com'),
    ],
  },
  {
    id: 'gateway-wildcard-server-host',
    description: 'a VirtualService host under the server\'s `*.example.org`, bound as `<namespace>/<name>`, with a fault and retries',
    objects: [route('catalog', {
      hosts: ['catalog.example.org'],
      gateways: [`${MESH_NAMESPACE}/${GATEWAY_NAME}`],
      http: [
        { match: [{ headers: { 'x-case-user': { exact: 'tester' } } }], fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, route: [{ destination: { host: RATINGS } }] },
        { route: [{ destination: { host: RATINGS, subset: 'v2' } }], retries: { attempts: 3, retryOn: '5xx' } },
      ],
    })],
    requests: [
      get('the tester', 'catalog.example.org', { headers: { 'x-case-user': 'tester' } }),
      get('anyone else', 'catalog.example.org'),
      get('backend fails, retried', 'catalog.example.org', { headers: { 'x-backend-status': '503' } }),
    ],
  },
  {
    id: 'gateway-and-mesh',
    description: 'one VirtualService bound to the gateway and to `mesh` on a Service host the server admits',
    objects: [route('reviews', {
      hosts: [REVIEWS],
      gateways: [GATEWAY_NAME, 'mesh'],
      http: [{ match: [{ uri: { prefix: '/v3' } }], route: [{ destination: { host: REVIEWS, subset: 'v3' } }] }, { route: [{ destination: { host: REVIEWS, subset: 'v1' } }] }],
    })],
    requests: [get('under /v3', REVIEWS, { path: '/v3/x' }), get('elsewhere', REVIEWS)],
  },
  {
    id: 'gateway-host-for-another-namespace',
    description: 'a server host admitted for another namespace only: the VirtualService of this namespace is not bound, the shop one is',
    objects: [
      route('shop', { hosts: [SHOP_HOST], gateways: [GATEWAY_NAME], http: [{ route: [{ destination: { host: RATINGS, subset: 'v1' } }] }] }),
      route('partners', { hosts: [FOREIGN_ONLY_HOST], gateways: [GATEWAY_NAME], http: [{ route: [{ destination: { host: REVIEWS } }] }] }),
    ],
    unmarkedHosts: [FOREIGN_ONLY_HOST],
    requests: [get('the foreign-only host', FOREIGN_ONLY_HOST), get('the shop', SHOP_HOST)],
  },
  {
    id: 'gateway-not-bound',
    description: 'a VirtualService without `gateways` applies to sidecars only: the router does not route its host',
    objects: [
      route('shop', { hosts: [SHOP_HOST], gateways: [GATEWAY_NAME], http: [{ route: [{ destination: { host: RATINGS, subset: 'v2' } }] }] }),
      route('mesh-only', { hosts: ['mesh-only.example.org'], http: [{ route: [{ destination: { host: REVIEWS } }] }] }),
    ],
    unmarkedHosts: ['mesh-only.example.org'],
    requests: [get('the mesh-only host', 'mesh-only.example.org'), get('the shop', SHOP_HOST)],
  },
  {
    id: 'gateway-https-redirect',
    description: 'a host whose port-80 server sets httpsRedirect: a plaintext request is redirected, whatever its path',
    // The shop host comes first: the case's marker is asked for there, since the secure host redirects every plaintext request.
    objects: [route('secure', { hosts: [SHOP_HOST, SECURE_HOST], gateways: [GATEWAY_NAME], http: [{ route: [{ destination: { host: RATINGS, subset: 'v1' } }] }] })],
    requests: [get('the root', SECURE_HOST), get('a path with a query', SECURE_HOST, { path: '/orders?id=7' }), get('the shop, not redirected', SHOP_HOST)],
  },
];

/** Sent to each router's HTTPS listener (port 443 of the Gateway), the SNI being the request's host. */
export const GATEWAY_HTTPS_CASES: readonly DifferentialCase[] = [
  {
    id: 'gateway-https-shop',
    description: 'the HTTPS server (certificate from the Secret) routes the shop host as the plaintext one does',
    objects: [route('shop', {
      hosts: [SHOP_HOST],
      gateways: [GATEWAY_NAME],
      http: [
        { match: [{ uri: { prefix: '/reviews' } }], route: [{ destination: { host: REVIEWS, subset: 'v2' } }] },
        { route: [{ destination: { host: RATINGS, subset: 'v2' } }], headers: { response: { set: { 'x-case-via': 'https' } } } },
      ],
    })],
    requests: [get('reviews by path', SHOP_HOST, { path: '/reviews/1' }), get('the rest', SHOP_HOST, { path: '/cart' }), get('the host with the port', `${SHOP_HOST}:443`)],
  },
  {
    id: 'gateway-https-secure-host',
    description: 'the host whose plaintext server redirects is served over HTTPS',
    objects: [route('secure', { hosts: [SHOP_HOST, SECURE_HOST], gateways: [GATEWAY_NAME], http: [{ route: [{ destination: { host: RATINGS, subset: 'v1' } }] }] })],
    requests: [get('the root', SECURE_HOST), get('a path', SECURE_HOST, { path: '/orders/7' })],
  },
];
