/**
 * A NACK made visible: when real Envoy refuses a route configuration, `/debug/rejected` names the
 * proxy, the type, the refused resource, Envoy's error detail and the config objects behind that
 * resource, and `/metrics` counts the refusing proxy; both clear once a later version is ACKed.
 *
 * What Envoy refuses is injected after generation (a route named `refused-by-envoy` gets a regex
 * RE2 cannot compile), standing in for a generator defect: the config itself passes every check,
 * as the content of a real NACK would have.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ProxyResources, XdsResource } from '../../src/push/contract';
import { TYPE_URLS } from '../../src/push/contract';
import { stopAcceptanceRig } from '../support/acceptance-teardown';
import { BackendReply, startBackend, TestBackend } from '../support/backends';
import { EnvoySidecar } from '../support/envoy';
import { trackFailures } from '../support/failures';
import { httpRequest } from '../support/http-request';
import { serviceEntry, toYaml, versionSubsets, virtualService, weightedRoute, workloadEntry } from '../support/mesh-yaml';
import { freePort, uniqueLoopbackAddress } from '../support/ports';
import { InProcessReconciler, startReconcilerInProcess } from '../support/reconciler-harness';
import { waitUntil } from '../support/wait';

const NAMESPACE = 'shop';
const REVIEWS = { host: 'reviews.shop.svc.cluster.local', port: 9080 };
const RATINGS = { host: 'ratings.shop.svc.cluster.local', port: 9090 };
const REFUSED_ROUTE = 'refused-by-envoy';
const UNCOMPILABLE_REGEX = '/reviews/(?=1)';
/** Generous: a NACK or ACK normally takes milliseconds; the deadline only bounds a broken run. */
const DEADLINE_MS = 30_000;

interface NackEntry {
  proxy: string;
  typeUrl: string;
  rejectedVersion?: string;
  keptVersion: string;
  errorDetail: { code?: number; message: string };
  resources: string[];
  resourcesSent: number;
  objects: { kind: string; namespace: string; name: string }[];
}

/** Gives every route named REFUSED_ROUTE a match Envoy cannot compile, on fresh objects (generated ones are shared). */
function withUncompilableRoute(resources: ProxyResources): ProxyResources {
  const routes = resources.get(TYPE_URLS.route) ?? [];
  const altered = routes.map((routeConfiguration): XdsResource => ({
    name: routeConfiguration.name,
    resource: {
      ...routeConfiguration.resource,
      virtual_hosts: ((routeConfiguration.resource.virtual_hosts ?? []) as Record<string, any>[]).map((virtualHost) => ({
        ...virtualHost,
        routes: (virtualHost.routes as Record<string, any>[]).map((route) => (route.name === REFUSED_ROUTE
          ? { ...route, match: { safe_regex: { regex: UNCOMPILABLE_REGEX } } }
          : route)),
      })),
    },
  }));
  return new Map([...resources, [TYPE_URLS.route, altered]]);
}

describe('config real Envoy refuses, as operators see it', () => {
  const failures = trackFailures();
  const clientIp = uniqueLoopbackAddress();
  const backends: TestBackend[] = [];
  let configDir: string;
  let reconciler: InProcessReconciler | undefined;
  let envoy: EnvoySidecar | undefined;

  const opsGet = async (pathAndQuery: string) => (await httpRequest({ host: '127.0.0.1', port: reconciler!.opsPort, path: pathAndQuery })).body;
  const nacked = async () => (JSON.parse(await opsGet('/debug/rejected')) as { nacked: NackEntry[] }).nacked;
  const routeSync = async () => JSON.parse(await opsGet('/debug/syncz'))[envoy!.node.id]?.[TYPE_URLS.route] as { sentVersion?: string; ackedVersion?: string };
  const refusingMetric = async () => /^reconciler_xds_refusing_proxies\{type="RouteConfiguration"\} (\d+)$/m.exec(await opsGet('/metrics'))?.[1];
  const writeReviewsRoutes = (http: unknown[]) =>
    fs.writeFileSync(path.join(configDir, 'reviews-routes.yaml'), toYaml([virtualService(NAMESPACE, 'reviews', REVIEWS.host, http)]));
  const callReviews = async () => {
    const response = await httpRequest({ host: clientIp, port: REVIEWS.port, path: '/reviews/1', headers: { host: REVIEWS.host } });
    return response.status === 200 ? (JSON.parse(response.body) as BackendReply).version : `HTTP ${response.status}`;
  };

  beforeAll(() => failures.guard(async () => {
    for (const version of ['v1', 'v2']) backends.push(await startBackend('reviews', version, uniqueLoopbackAddress(), await freePort()));
    backends.push(await startBackend('ratings', 'v1', uniqueLoopbackAddress(), await freePort()));
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-refused-'));
    fs.writeFileSync(path.join(configDir, 'services.yaml'), toYaml([
      serviceEntry(NAMESPACE, 'reviews', REVIEWS.host, REVIEWS.port, 'reviews'),
      serviceEntry(NAMESPACE, 'ratings', RATINGS.host, RATINGS.port, 'ratings'),
      ...backends.map((backend) => workloadEntry({
        namespace: NAMESPACE, name: `${backend.name}-${backend.version}`, address: backend.address, port: backend.port,
        labels: { app: backend.name, version: backend.version },
      })),
      versionSubsets(NAMESPACE, 'reviews', REVIEWS.host, ['v1', 'v2']),
      virtualService(NAMESPACE, 'ratings', RATINGS.host, [weightedRoute(RATINGS.host, { v1: 100 })]),
      versionSubsets(NAMESPACE, 'ratings', RATINGS.host, ['v1']),
      {
        apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'client', namespace: NAMESPACE },
        spec: {
          workloadSelector: { labels: { app: 'client' } },
          egress: [REVIEWS, RATINGS].map(({ port }) => ({ port: { number: port, protocol: 'HTTP', name: `http-${port}` }, bind: clientIp, hosts: ['./*'] })),
        },
      },
    ]));
    writeReviewsRoutes([weightedRoute(REVIEWS.host, { v1: 100 }, { name: 'default' })]);
    reconciler = await startReconcilerInProcess(configDir, undefined, { validateWithCrds: true, alterGenerated: withUncompilableRoute });
    envoy = await EnvoySidecar.start({ xdsPort: reconciler.xdsPort, instanceIp: clientIp, name: 'client-0', namespace: NAMESPACE, labels: { app: 'client' } });
    await envoy.waitForConfig({ listeners: [`${clientIp}_${REVIEWS.port}`, `${clientIp}_${RATINGS.port}`] }, DEADLINE_MS);
    await waitUntil('the first routes to be ACKed', async () => (await routeSync())?.ackedVersion !== undefined, DEADLINE_MS);
    await waitUntil('traffic on v1', async () => (await callReviews()) === 'v1', DEADLINE_MS);
  }), 120_000);

  afterAll(async () => {
    await stopAcceptanceRig({ failures, envoy, reconciler, backends, configDir });
  });

  test('GIVEN ACKed routes WHEN Envoy refuses the next route configuration THEN /debug/rejected names the proxy, type, resource, Envoy\'s error and the objects behind it, and /metrics counts it', async () => {
    expect(await nacked()).toEqual([]);
    expect(await refusingMetric()).toBeUndefined();
    const kept = (await routeSync()).ackedVersion;

    writeReviewsRoutes([
      weightedRoute(REVIEWS.host, { v2: 100 }, { name: REFUSED_ROUTE, match: [{ uri: { prefix: '/reviews/1' } }] }),
      weightedRoute(REVIEWS.host, { v1: 100 }, { name: 'default' }),
    ]);
    await waitUntil('the NACK at /debug/rejected', async () => (await nacked()).length > 0, DEADLINE_MS);

    const [entry, ...others] = await nacked();
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      proxy: envoy!.node.id, typeUrl: TYPE_URLS.route, keptVersion: kept, rejectedVersion: (await routeSync()).sentVersion,
      // Both route configurations were sent; only the one that changed is the culprit.
      resources: [String(REVIEWS.port)], resourcesSent: 2,
    });
    expect(entry.errorDetail.message).toContain('(?=');
    expect(entry.objects).toEqual([
      { kind: 'DestinationRule', namespace: NAMESPACE, name: 'reviews' },
      { kind: 'ServiceEntry', namespace: NAMESPACE, name: 'reviews' },
      { kind: 'VirtualService', namespace: NAMESPACE, name: 'reviews' },
    ]);
    expect(await refusingMetric()).toBe('1');
    expect(await opsGet('/metrics')).toMatch(/^reconciler_xds_nacks_total\{type="RouteConfiguration"\} 1$/m);
    // The config itself was accepted: nothing is listed as a rejected object.
    expect(JSON.parse(await opsGet('/debug/rejected')).rejected).toEqual([]);
    expect(await callReviews()).toBe('v1');
  });

  test('GIVEN a refused version WHEN a later version without the refused route is ACKed THEN the entry and the count are gone', async () => {
    writeReviewsRoutes([weightedRoute(REVIEWS.host, { v2: 100 }, { name: 'default' })]);
    await waitUntil('traffic on v2', async () => (await callReviews()) === 'v2', DEADLINE_MS);
    await waitUntil('the NACK to clear', async () => (await nacked()).length === 0, DEADLINE_MS);

    const sync = await routeSync();
    expect(sync.ackedVersion).toBe(sync.sentVersion);
    expect(await refusingMetric()).toBe('0');
  });
});
