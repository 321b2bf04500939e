/**
 * The routing and resilience behaviour of the e2e scenarios (traffic routing, default routing,
 * progressive delivery, chaos faults, resilience) written as plain Istio YAML for the fixed mesh,
 * with requests that tell the routes apart.
 */
import type { DifferentialCase, RequestClass } from './differential-case';
import { BACKEND_DELAY_HEADER, BACKEND_STATUS_HEADER } from './echo-backends';
import { hostOf, MESH_NAMESPACE } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

const REVIEWS = hostOf('reviews');
const RATINGS = hostOf('ratings');

function virtualService(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: MESH_NAMESPACE }, spec };
}

const get = (name: string, path: string, extra: Partial<RequestClass['request']> = {}, repeat = 2): RequestClass =>
  ({ name, request: { path, authority: REVIEWS, ...extra }, repeat });

export const SCENARIO_CASES: readonly DifferentialCase[] = [
  {
    id: 'default-routing',
    description: 'no VirtualService: every version of the service shares the traffic',
    objects: [],
    requests: [
      // Every class here spreads over three versions: enough requests that the shares are compared, not one draw.
      get('any path', '/', {}, 600),
      get('short name as authority', '/', { authority: 'reviews' }, 300),
      get('namespace-qualified authority', '/', { authority: `reviews.${MESH_NAMESPACE}` }, 300),
      get('authority with the port', '/', { authority: `${REVIEWS}:9080` }, 300),
      get('an unknown host', '/', { authority: 'nowhere.example' }, 2),
    ],
  },
  {
    id: 'canary-split',
    description: 'a 90/10 weighted split between two subsets',
    objects: [virtualService('reviews', {
      hosts: [REVIEWS],
      http: [{
        route: [
          { destination: { host: REVIEWS, subset: 'v1' }, weight: 90 },
          { destination: { host: REVIEWS, subset: 'v2' }, weight: 10 },
        ],
      }],
    })],
    requests: [get('split', '/', {}, 800)],
  },
  {
    id: 'header-routing',
    description: 'a user header routes to v2, a cookie regex to v3, everything else to v1',
    objects: [virtualService('reviews', {
      hosts: [REVIEWS],
      http: [
        { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: REVIEWS, subset: 'v2' } }] },
        { match: [{ headers: { cookie: { regex: '^(.*?;)?(user=tester)(;.*)?$' } } }], route: [{ destination: { host: REVIEWS, subset: 'v3' } }] },
        { route: [{ destination: { host: REVIEWS, subset: 'v1' } }] },
      ],
    })],
    requests: [
      get('end-user jason', '/', { headers: { 'end-user': 'jason' } }),
      get('end-user someone else', '/', { headers: { 'end-user': 'jasonx' } }),
      get('tester cookie', '/', { headers: { cookie: 'a=b; user=tester' } }),
      get('other cookie', '/', { headers: { cookie: 'user=testers' } }),
      get('no header', '/'),
    ],
  },
  {
    id: 'uri-matches-and-rewrite',
    description: 'exact, prefix and regex URI matches, a prefix rewrite, and a cross-service route',
    objects: [virtualService('reviews', {
      hosts: [REVIEWS],
      http: [
        { match: [{ uri: { exact: '/exact' } }], route: [{ destination: { host: REVIEWS, subset: 'v2' } }] },
        { match: [{ uri: { prefix: '/v3/' } }], rewrite: { uri: '/' }, route: [{ destination: { host: REVIEWS, subset: 'v3' } }] },
        { match: [{ uri: { regex: '/item/[0-9]+' } }], route: [{ destination: { host: RATINGS, subset: 'v2' } }] },
        { match: [{ uri: { prefix: '/api' }, method: { exact: 'POST' } }], route: [{ destination: { host: RATINGS, subset: 'v1' } }] },
        { match: [{ queryParams: { debug: { exact: '1' } } }], route: [{ destination: { host: REVIEWS, subset: 'v3' } }] },
        { route: [{ destination: { host: REVIEWS, subset: 'v1' } }] },
      ],
    })],
    requests: [
      get('exact', '/exact'),
      get('exact with a query', '/exact?x=1'),
      get('exact plus a slash', '/exact/'),
      get('prefix rewritten', '/v3/books?id=7'),
      get('prefix without its slash', '/v3'),
      get('regex', '/item/42'),
      get('regex partial', '/item/42/more'),
      get('POST under /api', '/api/orders', { method: 'POST' }),
      get('GET under /api', '/api/orders'),
      get('query parameter', '/any?debug=1'),
      get('query parameter other value', '/any?debug=10'),
      get('catch-all', '/other'),
    ],
  },
  {
    id: 'redirect-and-headers',
    description: 'a redirect, request and response header rules, an authority match',
    objects: [virtualService('reviews', {
      hosts: [REVIEWS, 'reviews'],
      http: [
        { match: [{ uri: { prefix: '/old' } }], redirect: { uri: '/new', redirectCode: 308 } },
        { match: [{ uri: { prefix: '/moved' } }], redirect: { authority: 'ratings' } },
        { match: [{ authority: { exact: 'reviews' } }], route: [{ destination: { host: RATINGS, subset: 'v1' } }] },
        {
          headers: { request: { set: { 'x-case-set': 'on' } }, response: { add: { 'x-case-served': 'reviews' } } },
          route: [{ destination: { host: REVIEWS, subset: 'v2' }, headers: { request: { add: { 'x-case-destination': 'v2' } } } }],
        },
      ],
    })],
    requests: [
      get('redirect with code', '/old/page'),
      get('authority redirect', '/moved/x'),
      get('short authority', '/', { authority: 'reviews' }),
      get('header rules', '/x', { headers: { 'x-case-set': 'off' } }),
    ],
  },
  {
    id: 'faults',
    description: 'an abort for one header, a delay for another, a 50 % abort otherwise',
    objects: [virtualService('reviews', {
      hosts: [REVIEWS],
      http: [
        { match: [{ headers: { 'x-fault': { exact: 'abort' } } }], fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, route: [{ destination: { host: REVIEWS, subset: 'v1' } }] },
        { match: [{ headers: { 'x-fault': { exact: 'delay' } } }], fault: { delay: { fixedDelay: '400ms', percentage: { value: 100 } } }, route: [{ destination: { host: REVIEWS, subset: 'v1' } }] },
        { fault: { abort: { httpStatus: 503, percentage: { value: 50 } } }, route: [{ destination: { host: REVIEWS, subset: 'v2' } }] },
      ],
    })],
    requests: [
      get('abort', '/', { headers: { 'x-fault': 'abort' } }),
      get('delay', '/', { headers: { 'x-fault': 'delay' }, delayedFromMs: 300 }, 3),
      get('half aborted', '/', {}, 600),
    ],
  },
  {
    id: 'retries-and-timeouts',
    description: 'retries on 5xx with per-try timeouts, a route timeout, no retries on another route',
    objects: [virtualService('reviews', {
      hosts: [REVIEWS],
      http: [
        { match: [{ uri: { prefix: '/retry' } }], retries: { attempts: 3, retryOn: '5xx', perTryTimeout: '2s' }, route: [{ destination: { host: REVIEWS, subset: 'v1' } }] },
        { match: [{ uri: { prefix: '/gateway-error' } }], retries: { attempts: 2, retryOn: 'gateway-error' }, route: [{ destination: { host: REVIEWS, subset: 'v1' } }] },
        { match: [{ uri: { prefix: '/slow' } }], timeout: '300ms', route: [{ destination: { host: REVIEWS, subset: 'v2' } }] },
        { match: [{ uri: { prefix: '/none' } }], retries: { attempts: 0 }, route: [{ destination: { host: REVIEWS, subset: 'v3' } }] },
        { route: [{ destination: { host: REVIEWS, subset: 'v3' } }] },
      ],
    })],
    requests: [
      get('5xx retried', '/retry', { headers: { [BACKEND_STATUS_HEADER]: '503' } }),
      get('500 retried', '/retry', { headers: { [BACKEND_STATUS_HEADER]: '500' } }),
      get('404 not retried', '/retry', { headers: { [BACKEND_STATUS_HEADER]: '404' } }),
      get('gateway-error on 502', '/gateway-error', { headers: { [BACKEND_STATUS_HEADER]: '502' } }),
      get('gateway-error not on 500', '/gateway-error', { headers: { [BACKEND_STATUS_HEADER]: '500' } }),
      get('slow backend times out', '/slow', { headers: { [BACKEND_DELAY_HEADER]: '1500' } }),
      get('fast backend within the timeout', '/slow'),
      get('retries off', '/none', { headers: { [BACKEND_STATUS_HEADER]: '503' } }),
      get('default retry policy', '/default', { headers: { [BACKEND_STATUS_HEADER]: '503' } }),
    ],
  },
  {
    id: 'cors',
    description: 'a CORS policy with exact, prefix and regex origins: preflights and simple requests',
    objects: [virtualService('reviews', {
      hosts: [REVIEWS],
      http: [{
        corsPolicy: {
          allowOrigins: [{ exact: 'https://shop.example' }, { prefix: 'https://admin.' }, { regex: 'https://[a-z]+\\.partner\\.example' }],
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['x-case-token'],
          exposeHeaders: ['x-case-served'],
          maxAge: '600s',
          allowCredentials: true,
        },
        route: [{ destination: { host: REVIEWS, subset: 'v1' } }],
      }],
    })],
    requests: [
      get('preflight from an exact origin', '/', { method: 'OPTIONS', headers: { 'origin': 'https://shop.example', 'access-control-request-method': 'POST' } }),
      get('preflight from a prefix origin', '/', { method: 'OPTIONS', headers: { 'origin': 'https://admin.shop.example', 'access-control-request-method': 'GET' } }),
      get('preflight from a regex origin', '/', { method: 'OPTIONS', headers: { 'origin': 'https://eu.partner.example', 'access-control-request-method': 'GET' } }),
      get('preflight from another origin', '/', { method: 'OPTIONS', headers: { 'origin': 'https://evil.example', 'access-control-request-method': 'GET' } }),
      get('preflight for a method not allowed', '/', { method: 'OPTIONS', headers: { 'origin': 'https://shop.example', 'access-control-request-method': 'DELETE' } }),
      get('simple request from an allowed origin', '/', { headers: { origin: 'https://shop.example' } }),
      get('simple request from another origin', '/', { headers: { origin: 'https://evil.example' } }),
      get('no origin', '/'),
    ],
  },
  {
    id: 'mirror',
    description: 'all traffic to v1, a mirrored copy to v2',
    objects: [virtualService('reviews', {
      hosts: [REVIEWS],
      http: [
        { route: [{ destination: { host: REVIEWS, subset: 'v1' } }], mirror: { host: REVIEWS, subset: 'v2' }, mirrorPercentage: { value: 100 } },
      ],
    })],
    requests: [get('mirrored', '/')],
  },
];
