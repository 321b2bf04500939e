import { buildDeclaredGraph, DeclaredGraphOptions, ManifestObject, summarizeFault, summarizeMatch } from '../../src/model/declared-graph';

const OPTIONS: DeclaredGraphOptions = {
  rootNamespace: 'mesh-system', clusterDomain: 'cluster.local', trustDomain: 'cluster.local', defaultMtlsMode: 'PERMISSIVE',
};

function service(name: string, namespace = 'shop'): ManifestObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] } };
}

function deployment(app: string, version: string, namespace = 'shop', serviceAccount = app, annotations: Record<string, string> = {}): ManifestObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${app}-${version}`, namespace },
    spec: { template: { metadata: { labels: { app, version }, annotations }, spec: { serviceAccountName: serviceAccount } } },
  };
}

function istio(kind: string, name: string, namespace: string, spec: unknown): ManifestObject {
  return { apiVersion: kind.endsWith('Policy') || kind === 'PeerAuthentication' ? 'security.istio.io/v1' : 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec };
}

const cart = [service('cart'), deployment('cart', 'v1'), deployment('cart', 'v2')];

describe('declared graph', () => {
  test('GIVEN short hosts and subsets named apart from their version WHEN built THEN routes reach the version the subset labels select', () => {
    const graph = buildDeclaredGraph([
      ...cart,
      istio('DestinationRule', 'cart', 'shop', { host: 'cart', subsets: [{ name: 'stable', labels: { version: 'v1' } }, { name: 'next', labels: { version: 'v2' } }] }),
      istio('VirtualService', 'cart', 'shop', {
        hosts: ['cart'],
        http: [
          { name: 'beta', match: [{ headers: { 'x-beta': { exact: '1' } } }], route: [{ destination: { host: 'cart', subset: 'next' } }] },
          { name: 'split', route: [{ destination: { host: 'cart.shop.svc', subset: 'stable' }, weight: 75 }, { destination: { host: 'cart', subset: 'next' }, weight: 25 }] },
        ],
      }),
    ], OPTIONS);

    expect(graph.edges.map(edge => [edge.to, edge.weight, edge.match])).toEqual([
      ['version:shop/cart/v2', 100, 'header x-beta=1'],
      ['version:shop/cart/v1', 75, ''],
      ['version:shop/cart/v2', 25, ''],
    ]);
    expect(graph.services[0].virtualServices).toEqual(['shop/cart']);
  });

  test('GIVEN the same objects in another order WHEN built THEN the graph is equal', () => {
    const objects = [...cart, service('web'), deployment('web', 'v1', 'shop', 'web', { 'mesh.cdk8s.io/dependencies': 'cart.shop.svc.cluster.local' })];
    expect(buildDeclaredGraph([...objects].reverse(), OPTIONS)).toEqual(buildDeclaredGraph(objects, OPTIONS));
  });

  test.each([
    ['no policy', [], 'PERMISSIVE', ''],
    ['a mesh-wide STRICT policy', [istio('PeerAuthentication', 'default', 'mesh-system', { mtls: { mode: 'STRICT' } })], 'STRICT', 'mesh-system/default'],
    ['a namespace DISABLE over a mesh-wide STRICT', [
      istio('PeerAuthentication', 'default', 'mesh-system', { mtls: { mode: 'STRICT' } }),
      istio('PeerAuthentication', 'ns', 'shop', { mtls: { mode: 'DISABLE' } }),
    ], 'DISABLE', 'shop/ns'],
    ['a workload STRICT over a namespace PERMISSIVE', [
      istio('PeerAuthentication', 'ns', 'shop', { mtls: { mode: 'PERMISSIVE' } }),
      istio('PeerAuthentication', 'cart', 'shop', { selector: { matchLabels: { app: 'cart' } }, mtls: { mode: 'STRICT' } }),
    ], 'STRICT', 'shop/cart'],
    ['a workload policy for another app', [istio('PeerAuthentication', 'web', 'shop', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } })], 'PERMISSIVE', ''],
    ['an UNSET workload policy over a namespace STRICT', [
      istio('PeerAuthentication', 'ns', 'shop', { mtls: { mode: 'STRICT' } }),
      istio('PeerAuthentication', 'cart', 'shop', { selector: { matchLabels: { app: 'cart' } }, mtls: { mode: 'UNSET' } }),
    ], 'STRICT', 'shop/ns'],
  ])('GIVEN %s WHEN built THEN cart\'s mTLS mode follows Istio\'s precedence', (_case, policies, mode, source) => {
    const [cartNode] = buildDeclaredGraph([...cart, ...policies], OPTIONS).services;
    expect([cartNode.mtlsMode, cartNode.mtlsSource]).toEqual([mode, source]);
  });

  test('GIVEN ALLOW and DENY rules naming service accounts, a namespace and nobody WHEN built THEN accounts of services become edges and the rest rules', () => {
    const graph = buildDeclaredGraph([
      ...cart, service('web'), deployment('web', 'v1', 'shop', 'web-sa'),
      istio('AuthorizationPolicy', 'cart-allow', 'shop', {
        selector: { matchLabels: { app: 'cart' } },
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web-sa', 'cluster.local/ns/other/sa/batch'] } }], to: [{ operation: { methods: ['GET'] } }] }],
      }),
      istio('AuthorizationPolicy', 'cart-deny', 'shop', { selector: { matchLabels: { app: 'cart' } }, action: 'DENY', rules: [{ from: [{ source: { namespaces: ['guest'] } }] }] }),
      istio('AuthorizationPolicy', 'web-lockdown', 'shop', { selector: { matchLabels: { app: 'web' } } }),
    ], OPTIONS);

    expect(graph.edges.filter(edge => edge.kind === 'allow' || edge.kind === 'deny').map(edge => [edge.kind, edge.from, edge.to, edge.match]))
      .toEqual([['allow', 'service:shop/web', 'service:shop/cart', 'GET']]);
    const rules = Object.fromEntries(graph.services.map(node => [node.name, node.authorizationRules.map(rule => `${rule.action} ${rule.from} ${rule.to}`.trim())]));
    expect(rules).toEqual({
      cart: ['ALLOW principal cluster.local/ns/other/sa/batch GET', 'DENY namespace guest'],
      web: ['ALLOW nobody (no rules)'],
    });
  });

  test('GIVEN a VirtualService for a host no Service declares WHEN built THEN that host is an undeclared node with its route', () => {
    const graph = buildDeclaredGraph([
      istio('VirtualService', 'legacy', 'shop', { hosts: ['legacy'], http: [{ route: [{ destination: { host: 'legacy' } }] }] }),
    ], OPTIONS);
    expect(graph.services.map(node => [node.id, node.declared])).toEqual([['host:legacy.shop.svc.cluster.local', false]]);
    expect(graph.edges.map(edge => `${edge.from} → ${edge.to}`)).toEqual(['host:legacy.shop.svc.cluster.local → host:legacy.shop.svc.cluster.local']);
  });

  test('GIVEN a service no VirtualService routes WHEN built THEN it spreads over every version with no declared weight', () => {
    const graph = buildDeclaredGraph(cart, OPTIONS);
    expect(graph.edges.map(edge => [edge.to, edge.weight, edge.source])).toEqual([['version:shop/cart/v1', undefined, ''], ['version:shop/cart/v2', undefined, '']]);
  });

  test('GIVEN a workload calling an external host WHEN built THEN the dependency edge ends at the ServiceEntry', () => {
    const graph = buildDeclaredGraph([
      service('web'), deployment('web', 'v1', 'shop', 'web', { 'mesh.cdk8s.io/dependencies': 'api.payments.example' }),
      istio('ServiceEntry', 'payments', 'shop', { hosts: ['api.payments.example'], ports: [{ number: 443, protocol: 'TLS' }], resolution: 'DNS' }),
    ], OPTIONS);
    expect(graph.edges.filter(edge => edge.kind === 'dependency').map(edge => edge.to)).toEqual(['external:shop/payments']);
  });
});

describe('route summaries', () => {
  test.each([
    [[{ uri: { prefix: '/api/' } }], 'uri /api/*'],
    [[{ headers: { 'end-user': { exact: 'jason' } }, sourceLabels: { app: 'web' } }], 'header end-user=jason & from app=web'],
    [[{ uri: { exact: '/a' } }, { method: { regex: 'P.*' } }], 'uri=/a | method ~P.*'],
    [undefined, ''],
  ])('GIVEN match %j WHEN summarized THEN it reads %j', (match, text) => {
    expect(summarizeMatch(match)).toBe(text);
  });

  test.each([
    [{ abort: { httpStatus: 503, percentage: { value: 12.5 } } }, 'abort 503 · 12.5 %'],
    [{ delay: { fixedDelay: '2s' } }, 'delay 2s · 100 %'],
    [{ abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 1 } } }, 'abort grpc UNAVAILABLE · 1 %'],
  ])('GIVEN fault %j WHEN summarized THEN it reads %j', (fault, text) => {
    expect(summarizeFault(fault)).toBe(text);
  });
});
