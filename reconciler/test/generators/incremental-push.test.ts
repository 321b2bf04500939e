/**
 * A push that differs from the previous one only in workloads and VirtualServices reuses what the previous push
 * generated without reading them. Whatever the sequence of changes, every proxy must get exactly
 * what a push built from scratch gives it.
 */
import fc from 'fast-check';
import { IngestCache, ingestDocuments } from '../../src/config/ingest';
import { MeshObject, ProxyIdentity, ProxyResources, TYPE_URLS } from '../../src/push/contract';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { PushContext } from '../../src/push/push-context';
import { createRootCa, loadCertificateAuthority } from '../../src/security/ca';
import { WorkloadCertificateCache } from '../../src/security/workload-cert-cache';
import { generateProxyResources } from '../../src/xds/generators';
import { sharedGenerationFor } from '../../src/xds/generators/shared-generation';
import { identitySecret } from '../../src/xds/translate/security/sds';
import type { WorkloadCertificate } from '../../src/security/workload-certs';
import type { SecurityExtensions } from '../../src/xds/translate/extension-points';
import { createSecurityExtensions } from '../../src/xds/translate/security/extensions';
import { proxy } from './fixture-loader';

interface PodState {
  readonly version: 'v1' | 'v2';
  readonly injected: boolean;
  readonly ready: boolean;
}

/** A VirtualService of `a` or `b`: weights to a's subsets, or a retry count; optionally a match on the caller's labels. */
interface RouteState {
  readonly v1Weight: number;
  readonly retries: number;
  readonly fromApp?: 'a' | 'b';
}

/** The mesh as the test varies it: per pod of service `a`, per WorkloadEntry of `c`, the routes of a and b, and one DestinationRule setting. */
interface MeshState {
  readonly pods: Readonly<Record<string, PodState>>;
  /** Which of a's pods its EndpointSlice lists. */
  readonly sliced: readonly string[];
  readonly entries: readonly string[];
  readonly routes: Readonly<Partial<Record<'a' | 'b', RouteState>>>;
  readonly maxConnections: number;
}

const A_PODS = ['a-1', 'a-2', 'a-3'];
const C_ENTRIES = ['c-vm-1', 'c-vm-2'];
const POD_IP: Record<string, string> = { 'a-1': '10.0.0.1', 'a-2': '10.0.0.2', 'a-3': '10.0.0.3', 'b-1': '10.0.1.1' };

const INITIAL: MeshState = {
  pods: Object.fromEntries(A_PODS.map((name) => [name, { version: 'v1', injected: true, ready: true }])),
  sliced: ['a-1', 'a-2'],
  entries: ['c-vm-1'],
  routes: { a: { v1Weight: 90, retries: 1 } },
  maxConnections: 10,
};

function virtualService(host: 'a' | 'b', route: RouteState): unknown {
  const destinations = host === 'a'
    ? [{ destination: { host: 'a', subset: 'v1' }, weight: route.v1Weight }, { destination: { host: 'a', subset: 'v2' }, weight: 100 - route.v1Weight }]
    : [{ destination: { host: 'b' } }];
  return {
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: host, namespace: 'shop' },
    spec: {
      hosts: [host],
      http: [
        ...(route.fromApp ? [{ name: 'from-app', match: [{ sourceLabels: { app: route.fromApp } }], route: [{ destination: { host: 'b' } }] }] : []),
        { name: 'default', retries: { attempts: route.retries }, route: destinations },
      ],
    },
  };
}

function pod(name: string, app: string, state: PodState): unknown {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'shop', labels: { app, version: state.version, ...(state.injected ? { 'security.istio.io/tlsMode': 'istio' } : {}) } },
    spec: { serviceAccountName: app, containers: [{ name: 'app', image: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { podIP: POD_IP[name] },
  };
}

function service(name: string): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] } };
}

function slice(serviceName: string, pods: readonly string[], ready: (name: string) => boolean): unknown {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: `${serviceName}-slice`, namespace: 'shop', labels: { 'kubernetes.io/service-name': serviceName } },
    ports: [{ name: 'http', port: 8080 }],
    endpoints: pods.map((name) => ({ addresses: [POD_IP[name]], conditions: { ready: ready(name) }, targetRef: { kind: 'Pod', name } })),
  };
}

/** One document per object, as the Kubernetes source hands them over: an unchanged object stays the same document. */
function documents(state: MeshState): { source: string; text: string }[] {
  const objects: [string, unknown][] = [
    ['service/a', service('a')], ['service/b', service('b')], ['service/c', service('c')],
    ...A_PODS.map((name): [string, unknown] => [`pod/${name}`, pod(name, 'a', state.pods[name])]),
    ['pod/b-1', pod('b-1', 'b', { version: 'v1', injected: true, ready: true })],
    ['slice/a', slice('a', state.sliced, (name) => state.pods[name].ready)],
    ['slice/b', slice('b', ['b-1'], () => true)],
    ...(['a', 'b'] as const).filter((host) => state.routes[host]).map((host): [string, unknown] => [`route/${host}`, virtualService(host, state.routes[host]!)]),
    ...state.entries.map((name, index): [string, unknown] => [`entry/${name}`, {
      apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name, namespace: 'shop' },
      spec: { address: `10.0.2.${index + 1}`, labels: { app: 'c' }, serviceAccount: 'c' },
    }]),
    ['rule/a', {
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'a', namespace: 'shop' },
      spec: {
        host: 'a', trafficPolicy: { connectionPool: { tcp: { maxConnections: state.maxConnections } } },
        subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
      },
    }],
  ];
  return objects.map(([source, object]) => ({ source, text: JSON.stringify(object) }));
}

const PROXIES: ProxyIdentity[] = [
  proxy({ name: 'b-1', namespace: 'shop', labels: { app: 'b', version: 'v1' }, instanceIp: POD_IP['b-1'], serviceAccount: 'b' }),
  proxy({ name: 'a-1', namespace: 'shop', labels: { app: 'a', version: 'v1' }, instanceIp: POD_IP['a-1'], serviceAccount: 'a' }),
  proxy({ name: 'client', namespace: 'other', labels: { app: 'client' }, instanceIp: '10.0.9.9' }),
];

type Change =
  | { kind: 'slice'; pods: string[] }
  | { kind: 'pod'; name: string; state: PodState }
  | { kind: 'entries'; entries: string[] }
  | { kind: 'rule'; maxConnections: number }
  | { kind: 'route'; host: 'a' | 'b'; route?: RouteState };

function apply(state: MeshState, change: Change): MeshState {
  switch (change.kind) {
    case 'slice': return { ...state, sliced: change.pods };
    case 'pod': return { ...state, pods: { ...state.pods, [change.name]: change.state } };
    case 'entries': return { ...state, entries: change.entries };
    case 'rule': return { ...state, maxConnections: change.maxConnections };
    case 'route': return { ...state, routes: { ...state.routes, [change.host]: change.route } };
  }
}

const podState = fc.record({ version: fc.constantFrom<'v1' | 'v2'>('v1', 'v2'), injected: fc.boolean(), ready: fc.boolean() });
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.subarray(A_PODS).map((pods): Change => ({ kind: 'slice', pods })),
  fc.record({ name: fc.constantFrom(...A_PODS), state: podState }).map((value): Change => ({ kind: 'pod', ...value })),
  fc.subarray(C_ENTRIES).map((entries): Change => ({ kind: 'entries', entries })),
  fc.integer({ min: 1, max: 3 }).map((maxConnections): Change => ({ kind: 'rule', maxConnections })),
  fc.record({
    host: fc.constantFrom<'a' | 'b'>('a', 'b'),
    route: fc.option(fc.record({ v1Weight: fc.constantFrom(0, 50, 90), retries: fc.integer({ min: 0, max: 2 }), fromApp: fc.option(fc.constantFrom<'a' | 'b'>('a', 'b'), { nil: undefined }) }, { requiredKeys: ['v1Weight', 'retries'] }), { nil: undefined }),
  }).map((value): Change => ({ kind: 'route', ...value })),
);

function content(resources: ProxyResources): Record<string, unknown> {
  return Object.fromEntries([...resources].map(([typeUrl, list]) => [typeUrl, list.map((resource) => [resource.name, resource.resource])]));
}

async function securityExtensions(): Promise<SecurityExtensions> {
  const ca = await loadCertificateAuthority(await createRootCa('cluster.local'), 'test root');
  const certificates = new WorkloadCertificateCache(ca);
  for (const account of ['a', 'b', 'default']) await certificates.get({ namespace: account === 'default' ? 'other' : 'shop', serviceAccount: account });
  return createSecurityExtensions({ rootCertificatePem: ca.certificatePem, certificates });
}

/** Pushes the states in turn, as the reconciler does: each built against the one before, then every proxy generated. */
class Pusher {
  private readonly cache = new IngestCache();
  private previous: PushContext | undefined;

  constructor(private readonly extensions: SecurityExtensions) {}

  objectsOf(state: MeshState): readonly MeshObject[] {
    const { objects, rejected } = ingestDocuments(documents(state), undefined, { cache: this.cache });
    if (rejected.length > 0) throw new Error(rejected.flatMap((entry) => entry.reasons).join('; '));
    return objects;
  }

  push(state: MeshState, proxies: readonly ProxyIdentity[] = PROXIES): { push: PushContext; resources: ProxyResources[] } {
    const push = PushContext.build(this.objectsOf(state), DEFAULT_MESH_SETTINGS, 0, [], this.previous);
    const resources = proxies.map((identity) => generateProxyResources(push, identity, this.extensions));
    push.releasePrevious();
    this.previous = push;
    return { push, resources };
  }
}

function fromScratch(state: MeshState, extensions: SecurityExtensions, pusher: Pusher): ProxyResources[] {
  const push = PushContext.build(pusher.objectsOf(state), DEFAULT_MESH_SETTINGS, 0, []);
  return PROXIES.map((identity) => generateProxyResources(push, identity, extensions));
}

function resource(resources: ProxyResources, typeUrl: string, name: string): unknown {
  return resources.get(typeUrl as never)?.find((entry) => entry.name === name)?.resource;
}

describe('a push after a workload change reuses what did not read it', () => {
  let extensions: SecurityExtensions;
  beforeAll(async () => { extensions = await securityExtensions(); });

  test('GIVEN any sequence of endpoint, pod, WorkloadEntry, VirtualService and DestinationRule changes WHEN each is pushed after the one before THEN every proxy gets what a push from scratch gives it', () => {
    fc.assert(fc.property(fc.array(change, { minLength: 1, maxLength: 12 }), (changes) => {
      const pusher = new Pusher(extensions);
      let state = INITIAL;
      pusher.push(state);
      for (const next of changes) {
        state = apply(state, next);
        const { resources } = pusher.push(state);
        const expected = fromScratch(state, extensions, pusher);
        resources.forEach((got, index) => expect(content(got)).toEqual(content(expected[index])));
      }
    }), { seed: 20261203, numRuns: 100 });
  });

  test('GIVEN a\'s EndpointSlice loses a pod WHEN pushed THEN a\'s endpoints change while b\'s cluster, endpoints and the routes are the very objects of the previous push', () => {
    const pusher = new Pusher(extensions);
    const before = pusher.push(INITIAL).resources[0];
    const { push, resources } = pusher.push({ ...INITIAL, sliced: ['a-1'] });
    const after = resources[0];
    expect(push.inherited()).toBeUndefined(); // released once every proxy was generated
    const aEndpoints = 'outbound|8080||a.shop.svc.cluster.local';
    expect(resource(after, TYPE_URLS.endpoint, aEndpoints)).not.toEqual(resource(before, TYPE_URLS.endpoint, aEndpoints));
    const b = 'outbound|8080||b.shop.svc.cluster.local';
    expect(resource(after, TYPE_URLS.cluster, b)).toBe(resource(before, TYPE_URLS.cluster, b));
    expect(resource(after, TYPE_URLS.endpoint, b)).toBe(resource(before, TYPE_URLS.endpoint, b));
    expect(after.get(TYPE_URLS.route)).toBe(before.get(TYPE_URLS.route));
  });

  test('GIVEN an a pod no longer injected WHEN pushed THEN a\'s clusters drop mTLS (they read a\'s endpoints) and b\'s stay the same object', () => {
    const pusher = new Pusher(extensions);
    const before = pusher.push(INITIAL).resources[0];
    const after = pusher.push({ ...INITIAL, pods: { ...INITIAL.pods, 'a-2': { version: 'v1', injected: false, ready: true } } }).resources[0];
    const a = 'outbound|8080||a.shop.svc.cluster.local';
    expect((resource(before, TYPE_URLS.cluster, a) as { transport_socket?: unknown }).transport_socket).toBeDefined();
    expect((resource(after, TYPE_URLS.cluster, a) as { transport_socket?: unknown }).transport_socket).toBeUndefined();
    const b = 'outbound|8080||b.shop.svc.cluster.local';
    expect(resource(after, TYPE_URLS.cluster, b)).toBe(resource(before, TYPE_URLS.cluster, b));
  });

  test('GIVEN a\'s VirtualService edited WHEN pushed THEN a\'s routes are built again and b\'s are the very objects of the previous push, as are the clusters and outbound listeners', () => {
    const pusher = new Pusher(extensions);
    const state = { ...INITIAL, routes: { a: { v1Weight: 90, retries: 1 }, b: { v1Weight: 0, retries: 1 } } };
    const before = pusher.push(state).resources[0];
    const after = pusher.push({ ...state, routes: { ...state.routes, a: { v1Weight: 50, retries: 1 } } }).resources[0];
    const hostRoutes = (resources: ProxyResources, host: string) => (resource(resources, TYPE_URLS.route, '8080') as { virtual_hosts: { name: string; routes: unknown }[] })
      .virtual_hosts.find((virtualHost) => virtualHost.name === `${host}.shop.svc.cluster.local:8080`)!.routes;
    expect(hostRoutes(after, 'a')).not.toEqual(hostRoutes(before, 'a'));
    expect(hostRoutes(after, 'b')).toBe(hostRoutes(before, 'b'));
    expect(after.get(TYPE_URLS.cluster)).toBe(before.get(TYPE_URLS.cluster));
    expect(after.get(TYPE_URLS.endpoint)).toBe(before.get(TYPE_URLS.endpoint));
    const outbound = (resources: ProxyResources) => (resources.get(TYPE_URLS.listener) ?? []).filter((listener) => listener.resource.traffic_direction === 'OUTBOUND');
    expect(outbound(before).length).toBeGreaterThan(0);
    expect(outbound(after).map((listener) => listener.resource)).toEqual(outbound(before).map((listener) => listener.resource));
    outbound(after).forEach((listener, index) => expect(listener.resource).toBe(outbound(before)[index].resource));
  });

  test('GIVEN a\'s endpoints changed, then a\'s VirtualService edited WHEN pushed THEN b\'s routes are still the objects of the first push', () => {
    const pusher = new Pusher(extensions);
    const state = { ...INITIAL, routes: { a: { v1Weight: 90, retries: 1 }, b: { v1Weight: 0, retries: 1 } } };
    const first = pusher.push(state).resources[0];
    // The route configuration is reused whole here; the values it is made of must stay with it.
    const second = pusher.push({ ...state, sliced: ['a-1'] }).resources[0];
    expect(second.get(TYPE_URLS.route)).toBe(first.get(TYPE_URLS.route));
    const third = pusher.push({ ...state, sliced: ['a-1'], routes: { ...state.routes, a: { v1Weight: 50, retries: 1 } } }).resources[0];
    const hostRoutes = (resources: ProxyResources, host: string) => (resource(resources, TYPE_URLS.route, '8080') as { virtual_hosts: { name: string; routes: unknown }[] })
      .virtual_hosts.find((virtualHost) => virtualHost.name === `${host}.shop.svc.cluster.local:8080`)!.routes;
    expect(hostRoutes(third, 'a')).not.toEqual(hostRoutes(first, 'a'));
    expect(hostRoutes(third, 'b')).toBe(hostRoutes(first, 'b'));
  });

  test('GIVEN a NONE-mode proxy that disconnected WHEN two endpoint changes are pushed THEN its own values are gone from the second, and the rest equals a generation from scratch', () => {
    const pusher = new Pusher(extensions);
    const own = proxy({ name: 'a-3', namespace: 'shop', labels: { app: 'a', version: 'v1' }, instanceIp: POD_IP['a-3'], serviceAccount: 'a', interceptionMode: 'NONE' });
    const first = pusher.push(INITIAL, [...PROXIES, own]).push;
    const second = pusher.push({ ...INITIAL, sliced: ['a-1'] }).push;
    const third = pusher.push({ ...INITIAL, sliced: ['a-2'] }).push;
    const sizeOf = (push: PushContext) => sharedGenerationFor(push, extensions).size;
    const scratch = PushContext.build(pusher.objectsOf({ ...INITIAL, sliced: ['a-2'] }), DEFAULT_MESH_SETTINGS, 0, []);
    for (const identity of PROXIES) generateProxyResources(scratch, identity, extensions);
    expect(sizeOf(first)).toBeGreaterThan(sizeOf(scratch));
    expect(sizeOf(second)).toBeGreaterThan(sizeOf(scratch));
    expect(sizeOf(third)).toBe(sizeOf(scratch));
  });

  test('GIVEN a proxy generated in two pushes WHEN its certificate did not rotate THEN it gets the same secret objects (encoded once); another certificate gets a secret of its own', () => {
    const pusher = new Pusher(extensions);
    const secrets = (resources: ProxyResources) => (resources.get(TYPE_URLS.secret) ?? []).map((secret) => secret.resource);
    const before = secrets(pusher.push(INITIAL).resources[1]);
    const after = secrets(pusher.push({ ...INITIAL, sliced: ['a-1'] }).resources[1]);
    expect(before.length).toBe(2);
    after.forEach((secret, index) => expect(secret).toBe(before[index]));
    const certificate = { certificateChainPem: 'chain', privateKeyPem: 'key' } as unknown as WorkloadCertificate;
    expect(identitySecret(certificate)).toBe(identitySecret(certificate));
    expect(identitySecret({ ...certificate })).not.toBe(identitySecret(certificate));
    expect(identitySecret({ ...certificate })).toEqual(identitySecret(certificate));
  });

  test('GIVEN a DestinationRule edit WHEN pushed THEN nothing of the previous push is inherited', () => {
    const pusher = new Pusher(extensions);
    const first = pusher.push(INITIAL).push;
    const second = PushContext.build(pusher.objectsOf({ ...INITIAL, maxConnections: 99 }), DEFAULT_MESH_SETTINGS, 0, [], first);
    expect(second.inherited()).toBeUndefined();
    const third = PushContext.build(pusher.objectsOf({ ...INITIAL, maxConnections: 99, sliced: ['a-3'] }), DEFAULT_MESH_SETTINGS, 0, [], second);
    expect([...third.inherited()!.changes.changed]).toEqual(['a.shop.svc.cluster.local']);
  });
});
