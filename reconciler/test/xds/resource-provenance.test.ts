/**
 * Provenance of generated resources: from a resource the generators really produced for a proxy,
 * the config objects that fed it, so a NACK can name what to fix.
 */
import type { ProxyIdentity } from '../../src/push/contract';
import { TYPE_URLS } from '../../src/push/contract';
import { generateProxyResources } from '../../src/xds/generators';
import { configsFeeding } from '../../src/xds/resource-provenance';
import { findResource } from '../support/simulate';
import { BOOKINFO, EDGE_GATEWAY_YAML, edgeRouter, loadPushContext, productpageProxy } from '../generators/fixture-loader';

const POLICIES = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: productpage-strict, namespace: bookinfo }
spec: { selector: { matchLabels: { app: productpage } }, mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: mesh-wide, namespace: istio-system }
spec: { action: ALLOW, rules: [{}] }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: reviews-only, namespace: bookinfo }
spec: { selector: { matchLabels: { app: reviews } }, action: ALLOW, rules: [{}] }
`;

const GATEWAY = `${EDGE_GATEWAY_YAML}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop, namespace: edge }
spec:
  hosts: [shop.example.com]
  gateways: [edge/ingress]
  http: [{ route: [{ destination: { host: reviews.bookinfo.svc.cluster.local, subset: v2, port: { number: 9080 } } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: mesh-only, namespace: edge }
spec:
  hosts: [shop.example.com]
  http: [{ route: [{ destination: { host: ratings.bookinfo.svc.cluster.local } }] }]
`;

const ref = (kind: string, namespace: string, name: string) => ({ kind, namespace, name });

function provenanceOf(extraYaml: string, identity: ProxyIdentity, typeUrl: string, resourceName: string) {
  const push = loadPushContext(BOOKINFO, extraYaml);
  const resource = findResource(generateProxyResources(push, identity), typeUrl, resourceName);
  return configsFeeding(push, identity, typeUrl, resource);
}

describe('config objects behind a generated resource', () => {
  test('GIVEN the bookinfo routes WHEN the outbound route configuration on 9080 is traced THEN its VirtualServices, DestinationRules and services are named', () => {
    expect(provenanceOf('', productpageProxy(), TYPE_URLS.route, '9080')).toEqual([
      ref('DestinationRule', 'bookinfo', 'ratings'),
      ref('DestinationRule', 'bookinfo', 'reviews'),
      ref('Service', 'bookinfo', 'details'),
      ref('Service', 'bookinfo', 'productpage'),
      ref('Service', 'bookinfo', 'ratings'),
      ref('Service', 'bookinfo', 'reviews'),
      ref('VirtualService', 'bookinfo', 'ratings'),
      ref('VirtualService', 'bookinfo', 'reviews'),
    ]);
  });

  test.each([
    ['a subset cluster', TYPE_URLS.cluster, 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local', [ref('DestinationRule', 'bookinfo', 'reviews'), ref('Service', 'bookinfo', 'reviews')]],
    ['its endpoints', TYPE_URLS.endpoint, 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local', [ref('DestinationRule', 'bookinfo', 'reviews'), ref('Service', 'bookinfo', 'reviews')]],
    ['a cluster without DestinationRule', TYPE_URLS.cluster, 'outbound|3306||mysql.storage.svc.cluster.local', [ref('Service', 'storage', 'mysql')]],
    ['an external host', TYPE_URLS.cluster, 'outbound|80||httpbin.org', [ref('ServiceEntry', 'bookinfo', 'httpbin')]],
  ])('GIVEN %s WHEN traced THEN the service that declares the host and its DestinationRule are named', (_, typeUrl, name, expected) => {
    expect(provenanceOf('', productpageProxy(), typeUrl, name)).toEqual(expected);
  });

  test('GIVEN security policies WHEN the inbound listener is traced THEN exactly the policies that select the workload are named', () => {
    expect(provenanceOf(POLICIES, productpageProxy(), TYPE_URLS.listener, 'virtualInbound')).toEqual([
      ref('AuthorizationPolicy', 'istio-system', 'mesh-wide'),
      ref('PeerAuthentication', 'bookinfo', 'productpage-strict'),
    ]);
  });

  test('GIVEN a gateway WHEN its route configuration is traced THEN the Gateway and the VirtualServices bound to it are named, not mesh-bound ones', () => {
    const router = edgeRouter();
    expect(provenanceOf(GATEWAY, router, TYPE_URLS.route, 'http.8080')).toEqual([
      ref('DestinationRule', 'bookinfo', 'reviews'),
      ref('Gateway', 'edge', 'ingress'),
      ref('Service', 'bookinfo', 'reviews'),
      ref('VirtualService', 'edge', 'shop'),
    ]);
  });
});
