// One valid object of each Istio kind the mesh synthesizes, for tests that need a known-good
// starting point. Each call returns a fresh copy, so tests may mutate it.

const metadata = (name: string) => ({ name, namespace: 'bookinfo' });

const FIXTURES = {
  VirtualService: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: metadata('reviews'),
    spec: {
      hosts: ['reviews'],
      http: [{
        match: [{ uri: { prefix: '/reviews' }, headers: { 'end-user': { exact: 'jason' } } }],
        route: [
          { destination: { host: 'reviews', subset: 'v1', port: { number: 9080 } }, weight: 90 },
          { destination: { host: 'reviews', subset: 'v2', port: { number: 9080 } }, weight: 10 },
        ],
        timeout: '5s',
        retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure' },
      }],
    },
  },
  DestinationRule: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: metadata('reviews'),
    spec: {
      host: 'reviews',
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 100, connectTimeout: '30ms' }, http: { http1MaxPendingRequests: 10 } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' },
        loadBalancer: { simple: 'ROUND_ROBIN' },
        tls: { mode: 'ISTIO_MUTUAL' },
      },
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
    },
  },
  Gateway: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: metadata('bookinfo-gateway'),
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['bookinfo.example.com'] }],
    },
  },
  ServiceEntry: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: metadata('payments-api'),
    spec: {
      hosts: ['api.payments.example.com'],
      ports: [{ number: 443, name: 'https', protocol: 'TLS' }],
      resolution: 'DNS',
      location: 'MESH_EXTERNAL',
    },
  },
  PeerAuthentication: {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: metadata('reviews'),
    spec: {
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 8080: { mode: 'PERMISSIVE' } },
    },
  },
  AuthorizationPolicy: {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: metadata('reviews-viewer'),
    spec: {
      selector: { matchLabels: { app: 'reviews' } },
      action: 'ALLOW',
      rules: [{
        from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/productpage'] } }],
        to: [{ operation: { methods: ['GET'], paths: ['/reviews/*'] } }],
      }],
    },
  },
  RequestAuthentication: {
    apiVersion: 'security.istio.io/v1',
    kind: 'RequestAuthentication',
    metadata: metadata('reviews-jwt'),
    spec: {
      selector: { matchLabels: { app: 'reviews' } },
      jwtRules: [{ issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/.well-known/jwks.json' }],
    },
  },
  WorkloadEntry: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: metadata('legacy-vm'),
    spec: {
      address: '10.0.0.5',
      ports: { http: 8080 },
      labels: { app: 'legacy' },
      serviceAccount: 'legacy',
    },
  },
  Sidecar: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: metadata('reviews'),
    spec: {
      workloadSelector: { labels: { app: 'reviews' } },
      ingress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:9080' }],
      egress: [{ hosts: ['./*', 'istio-system/*'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    },
  },
} as const;

export type IstioFixtureKind = keyof typeof FIXTURES;

export const ISTIO_FIXTURE_KINDS = Object.keys(FIXTURES) as IstioFixtureKind[];

/** A fresh, valid object of the given kind. */
export function validIstioObject(kind: IstioFixtureKind): any {
  return structuredClone(FIXTURES[kind]);
}

/** A fresh valid object changed by `mutate`, for tests that need exactly one thing wrong. */
export function istioObjectWith(kind: IstioFixtureKind, mutate: (obj: any) => void): any {
  const obj = validIstioObject(kind);
  mutate(obj);
  return obj;
}
