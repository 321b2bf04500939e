/**
 * istiod as the oracle: the same Istio objects in one API server, watched by istiod and by the
 * reconciler; one real sidecar Envoy connected to each; the same requests through both; outcomes
 * compared per request class. Every disagreement must be a deliberate difference listed in the
 * README (and in `deliberate-differences.ts`), and each listed difference must still be observed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { rootCertificate } from './agent-sidecar';
import { AUTHORIZATION_SCENARIOS, CLIENT_SOURCE_ADDRESS, generatedAuthorizationCases } from './authorization-cases';
import { GuardedSides, listenersMention, runAuthorizationCase } from './authorization-runner';
import { shrinkCandidates } from './case-shrinker';
import { clustersOf, normaliseCluster, routeHashPolicy } from './cluster-comparison';
import { DELIBERATE_DIFFERENCES, isDeliberate } from './deliberate-differences';
import type { DifferentialCase } from './differential-case';
import { applyCase, ClassResult, PROBE_HOST, runCase, runRequests, Sides } from './differential-runner';
import { EchoBackends } from './echo-backends';
import { GATEWAY_CASES, GATEWAY_HTTPS_CASES } from './gateway-cases';
import { GATEWAY_SECURITY_CASES } from './gateway-security-cases';
import { GATEWAY_NAME, GATEWAY_PODS, GATEWAY_TLS_PORT, gatewayObjects, gatewayRouteConfig, SECURE_HOST, SHOP_HOST } from './gateway-workload';
import { generatedCases } from './generated-cases';
import { generatedDestinationRules, withMarkerSubset } from './generated-destination-rules';
import { GUARDED_BACKEND, GUARDED_PODS, guardedObjects } from './guarded-workload';
import { CLIENT_POD, GENERATED_VERSIONS, generatedService, hostOf, MESH_NAMESPACE, meshObjects, NAMED_SERVICES, podsOf, podStatus, SERVICE_PORT } from './mesh-under-test';
import { NOT_APPLIED_FIELDS } from './not-applied-fields';
import { loadRegressionCases, REGRESSIONS_DIR, saveRegressionCase } from './regression-cases';
import { RECONCILER_REQUEST_LOG_SETTINGS, REQUEST_LOG_FORMAT } from './request-log';
import { closeRequestAgents } from './request-outcome';
import { routesOfHost } from './route-comparison';
import { SCENARIO_CASES } from './scenario-cases';
import { compareServedRoutes, RouteComparison, RouteNames } from './served-routes';
import { compareClusters, compareScope, ScopeComparison } from './served-scope';
import { LEGACY_ENDPOINTS, LEGACY_HOST_NAMES, SERVICE_ENTRY_CASES } from './service-entry-cases';
import { shrinkThroughBothSides } from './shrink-through-both-sides';
import { SidecarEnvoy } from './sidecar-envoy';
import { SIDECAR_SCOPE_CASES } from './sidecar-scope-cases';
import { makeCertificates, serverCertificate } from './tls-upstreams';
import { serviceAccountTokens, startBenchCluster } from '../../../reconciler/bench/vs-istiod/bench-cluster';
import type { ControlPlane } from '../../../reconciler/bench/vs-istiod/control-plane';
import { ISTIOD_PORTS, startIstiod } from '../../../reconciler/bench/vs-istiod/istiod';
import { RECONCILER_BENCH_PORTS, startKubeReconciler } from '../../../reconciler/bench/vs-istiod/reconciler-kube';
import type { Cluster } from '../cluster/cluster';
import { runChecked } from '../cluster/command';
import { addHostNames } from '../cluster/test-hosts';

/** The name on istiod's serving certificate for its TLS xDS port. */
const ISTIOD_SERVER_NAME = 'istiod.istio-system.svc';
/** Generated cases per run (DIFFERENTIAL_CASES) and their seed (DIFFERENTIAL_SEED): a failure names the seed to replay. */
const GENERATED_COUNT = Number(process.env.DIFFERENTIAL_CASES ?? 200);
const GENERATED_SEED = Number(process.env.DIFFERENTIAL_SEED ?? 20261203);
/** Generated cases applied at once, each on a service of its own. */
const BATCH_SIZE = 20;
const GENERATED = generatedCases(GENERATED_SEED, GENERATED_COUNT, BATCH_SIZE);
/** Generated DestinationRules per run (DIFFERENTIAL_RULES), from the same seed. */
const GENERATED_RULES = generatedDestinationRules(GENERATED_SEED, Number(process.env.DIFFERENTIAL_RULES ?? 100), BATCH_SIZE);
const DR_BATCHES = Array.from({ length: Math.ceil(GENERATED_RULES.length / BATCH_SIZE) }, (_, index) =>
  GENERATED_RULES.slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE));
const BATCHES = Array.from({ length: Math.ceil(GENERATED.length / BATCH_SIZE) }, (_, index) =>
  GENERATED.slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE));

/** Disagreeing generated cases shrunk per batch, and the candidates each may cost. */
const SHRUNK_PER_BATCH = 2;
const SHRINK_TRIALS = 60;
const anyDisagreement = (results: readonly ClassResult[]) => results.some((result) => !result.agree);

/** Generated authorization cases per run (DIFFERENTIAL_POLICIES), from the same seed. */
const AUTHORIZATION_CASES = [
  ...AUTHORIZATION_SCENARIOS,
  ...generatedAuthorizationCases(GENERATED_SEED, Number(process.env.DIFFERENTIAL_POLICIES ?? 50)),
];

let cluster: Cluster;
let backends: EchoBackends;
let planes: ControlPlane[] = [];
let istiodPlane: ControlPlane;
let reconcilerPlane: ControlPlane;
let sides: Sides;
let guarded: GuardedSides;
let guardedBackend: EchoBackends;
let runDir: string;
const results: ClassResult[] = [];
const drResults: { caseId: string; cluster: string; agree: boolean }[] = [];
const routeResults: RouteComparison[] = [];
const scopeResults: ScopeComparison[] = [];

/** The VirtualService hosts of each case, whose served routes are compared. */
const hostsOf = (cases: readonly DifferentialCase[]) => new Map(cases.map((testCase) => [testCase.id,
  testCase.objects.filter((object) => object.kind === 'VirtualService').flatMap((object) => object.spec.hosts as string[])]));

async function expectSameRoutes(cases: readonly DifferentialCase[], saveAs: string, through = sides, routeNames?: RouteNames): Promise<void> {
  const comparisons = await compareServedRoutes(through, hostsOf(cases), routeNames);
  routeResults.push(...comparisons);
  const differing = comparisons.filter((comparison) => !comparison.agree);
  if (differing.length > 0) fs.writeFileSync(path.join(runDir, `route-disagreements-${saveAs}.json`), JSON.stringify({ seed: GENERATED_SEED, differing }, null, 2));
  expect(differing).toEqual([]);
}

let removeHostNames: (() => Promise<void>) | undefined;

beforeAll(async () => {
  cluster = await startBenchCluster();
  runDir = fs.mkdtempSync(path.join(cluster.runDir, 'differential-'));
  const services = [...NAMED_SERVICES, ...Array.from({ length: BATCH_SIZE }, (_, index) => generatedService(index))];
  await cluster.apply(meshObjects(services).map((object) => JSON.stringify(object)).join('\n---\n'), 'differential-suite');
  const pods = podsOf(services);
  for (const pod of [...pods, CLIENT_POD]) await cluster.api.patch(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, podStatus(pod), 'merge');
  backends = await EchoBackends.start([...pods, ...LEGACY_ENDPOINTS], SERVICE_PORT);
  // Before any Envoy starts: the DNS ServiceEntry cases name endpoints the resolver finds here.
  removeHostNames = await addHostNames(LEGACY_HOST_NAMES, runDir);
  // The reconciler binds the client's outbound listener to its pod address (istiod to localhost).
  await runChecked('ip', ['addr', 'replace', `${CLIENT_POD.address}/32`, 'dev', 'lo']);
  // Both sides log each request's response flags the same way, for the comparison.
  const istiod = await startIstiod({ tuned: true, kubeconfigFile: cluster.kubeconfigFile, runDir, accessLog: { format: REQUEST_LOG_FORMAT } });
  planes.push(istiod);
  istiodPlane = istiod;
  const reconciler = await startKubeReconciler({ kubeconfigFile: cluster.kubeconfigFile, runDir, meshConfig: RECONCILER_REQUEST_LOG_SETTINGS });
  planes.push(reconciler);
  reconcilerPlane = reconciler;
  const token = (await serviceAccountTokens(cluster, [{ ...CLIENT_POD, service: 0 }])).get(CLIENT_POD.name)!;
  sides = {
    istiod: await SidecarEnvoy.start(istiod, CLIENT_POD, token, runDir, 19110, SERVICE_PORT),
    reconciler: await SidecarEnvoy.start(reconciler, CLIENT_POD, token, runDir, 19120, SERVICE_PORT),
  };
  // The authorization side: one guarded pod per control plane, each with its server sidecar.
  await cluster.apply(guardedObjects().map((object) => JSON.stringify(object)).join('\n---\n'), 'differential-suite');
  for (const pod of Object.values(GUARDED_PODS)) {
    await cluster.api.patch(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, podStatus(pod), 'merge');
    await runChecked('ip', ['addr', 'replace', `${pod.address}/32`, 'dev', 'lo']);
  }
  guardedBackend = await EchoBackends.start([{ ...GUARDED_PODS.istiod, version: 'app', address: GUARDED_BACKEND.host }], GUARDED_BACKEND.port);
  const guardedToken = (await serviceAccountTokens(cluster, [{ ...GUARDED_PODS.istiod, service: 0 }])).get(GUARDED_PODS.istiod.name)!;
  const server = async (plane: ControlPlane, side: 'istiod' | 'reconciler', adminPort: number) => {
    const sidecar = await SidecarEnvoy.start(plane, GUARDED_PODS[side], guardedToken, runDir, adminPort, SERVICE_PORT, GUARDED_PODS[side].address);
    return { sidecar, target: { ...sidecar.listener, freshConnections: true, localAddress: CLIENT_SOURCE_ADDRESS } };
  };
  guarded = { istiod: await server(istiod, 'istiod', 19130), reconciler: await server(reconciler, 'reconciler', 19140) };
}, 300_000);

afterAll(async () => {
  closeRequestAgents();
  if (runDir) {
    fs.writeFileSync(path.join(runDir, 'report.json'), JSON.stringify(results, null, 2));
    const generated = results.filter((result) => /^generated-\d/.test(result.caseId));
    const agreed = generated.filter((result) => result.agree).length;
    // The agreement rate the README quotes, per run.
    const authorization = results.filter((result) => result.caseId.startsWith('generated-authz-'));
    console.log(`differential: ${AUTHORIZATION_CASES.length} authorization cases, ${authorization.filter((result) => result.agree).length}/${authorization.length} generated request classes agree`);
    console.log(`differential: ${scopeResults.filter((result) => result.agree).length}/${scopeResults.length} compared clusters and sidecar views agree`);
    const routesAgreed = routeResults.filter((result) => result.agree).length;
    console.log(`differential: ${routesAgreed}/${routeResults.length} virtual hosts serve the same normalised routes`);
    const clustersAgreed = drResults.filter((result) => result.agree).length;
    console.log(`differential: ${GENERATED_RULES.length} generated DestinationRules, ${clustersAgreed}/${drResults.length} clusters and route hash policies agree`);
    console.log(`differential: ${GENERATED.length} generated cases (seed ${GENERATED_SEED}), ${agreed}/${generated.length} request classes agree; report in ${runDir}/report.json`);
  }
  await sides?.istiod.stop();
  await sides?.reconciler.stop();
  await guarded?.istiod.sidecar.stop();
  await guarded?.reconciler.sidecar.stop();
  await guardedBackend?.stop();
  for (const plane of planes) await plane.stop();
  await backends?.stop();
  await removeHostNames?.();
  await cluster?.stop();
}, 120_000);

/** Records a case's results; every difference must be a listed one, and every one listed for the case still seen. */
function expectOnlyDeliberateDifferences(testCase: DifferentialCase, caseResults: readonly ClassResult[]): void {
  results.push(...caseResults);
  const unexpected = caseResults.filter((result) => !result.agree && !isDeliberate(result.caseId, result.className));
  if (unexpected.length > 0) fs.writeFileSync(path.join(runDir, `disagreements-${testCase.id}.json`), JSON.stringify({ testCase, unexpected }, null, 2));
  expect(unexpected).toEqual([]);
  const listedHere = DELIBERATE_DIFFERENCES.filter((difference) => difference.caseId === testCase.id);
  const stillDiffering = listedHere.filter((difference) =>
    caseResults.some((result) => result.className === difference.className && !result.agree));
  expect(stillDiffering).toEqual(listedHere);
}

describe('istiod and the reconciler answer the same requests the same way', () => {
  test.each([...SCENARIO_CASES, ...SERVICE_ENTRY_CASES, ...SIDECAR_SCOPE_CASES, ...loadRegressionCases()].map((testCase) => [testCase.id, testCase] as const))('GIVEN the %s case', async (_id, testCase) => {
    const caseResults = await runCase(cluster, sides, backends, testCase);
    expectOnlyDeliberateDifferences(testCase, caseResults);
    await expectSameRoutes([testCase], testCase.id);
    // What requests cannot show: how each cluster finds its endpoints, and what a Sidecar leaves in view.
    const configuration = [
      ...(testCase.comparedClusters ? await compareClusters(sides, testCase.id, testCase.comparedClusters) : []),
      ...(testCase.compareScope ? await compareScope(sides, testCase.id) : []),
    ];
    scopeResults.push(...configuration);
    const differing = configuration.filter((comparison) => !comparison.agree);
    if (differing.length > 0) fs.writeFileSync(path.join(runDir, `configuration-disagreements-${testCase.id}.json`), JSON.stringify(differing, null, 2));
    expect(differing).toEqual([]);
  }, 240_000);
});

describe('generated VirtualServices', () => {
  test.each(BATCHES.map((batch, index) => [index, batch] as const))('GIVEN batch %i of the generated cases', async (index, batch) => {
    await applyCase(cluster, sides, batch.flatMap((testCase) => testCase.objects), `generated-batch-${GENERATED_SEED}-${index}`);
    const batchResults = await runRequests(sides, backends, batch);
    results.push(...batchResults);
    const unexpected = batchResults.filter((result) => !result.agree && !isDeliberate(result.caseId, result.className));
    if (unexpected.length > 0) {
      // Saved whole, then the first ones shrunk into regression cases that every later run replays.
      const cases = batch.filter((testCase) => unexpected.some((result) => result.caseId === testCase.id));
      fs.writeFileSync(path.join(runDir, `disagreements-batch-${index}.json`), JSON.stringify({ seed: GENERATED_SEED, cases, unexpected }, null, 2));
      for (const testCase of cases.slice(0, SHRUNK_PER_BATCH)) {
        const classes = new Set(unexpected.filter((result) => result.caseId === testCase.id).map((result) => result.className));
        const failing = { ...testCase, requests: testCase.requests.filter((requestClass) => classes.has(requestClass.name)) };
        const shrunk = await shrinkThroughBothSides(cluster, sides, backends, failing, anyDisagreement, SHRINK_TRIALS).catch((error: Error) => error);
        if (shrunk instanceof Error) console.log(`differential: ${testCase.id} was not shrunk: ${shrunk.message}`);
        else console.log(`differential: ${testCase.id} shrunk in ${shrunk.trials} trials, saved as ${saveRegressionCase(REGRESSIONS_DIR, shrunk.shrunk, GENERATED_SEED, shrunk.observed)}`);
      }
    }
    expect(unexpected).toEqual([]);
    await expectSameRoutes(batch, `batch-${index}`);
  }, 600_000);
});

describe('shrinking a disagreement through both sides', () => {
  test('GIVEN a generated case carrying a known difference WHEN shrunk THEN one bare route is left, and the saved case replays the difference', async () => {
    // The deliberate difference (an unknown host) disagrees whatever the routes are: every removal keeps it.
    const unknownHost = SCENARIO_CASES.find((testCase) => testCase.id === 'default-routing')!
      .requests.find((entry) => entry.name === 'an unknown host')!;
    const routesOf = (testCase: DifferentialCase): unknown[] => testCase.objects[0].spec.http;
    // Routes with destinations (a redirect shrinks to `redirect: {}`, which is as small).
    const carrier = GENERATED.filter((testCase) => routesOf(testCase).length >= 2 && routesOf(testCase).every((route) => 'route' in (route as object)))
      .sort((a, b) => shrinkCandidates(a).length - shrinkCandidates(b).length)[0];
    const failing = { ...carrier, requests: [unknownHost] };
    const shrunk = await shrinkThroughBothSides(cluster, sides, backends, failing, anyDisagreement, SHRINK_TRIALS);
    expect(shrunk.budgetSpent).toBe(false);
    expect(shrunk.accepted).toBeGreaterThanOrEqual(routesOf(carrier).length - 1);
    expect(routesOf(shrunk.shrunk)).toEqual([{ route: [{ destination: { host: carrier.objects[0].spec.hosts[0] } }] }]);
    expect(shrinkCandidates(shrunk.shrunk)).toEqual([]);
    const saved = saveRegressionCase(path.join(runDir, 'regressions'), shrunk.shrunk, GENERATED_SEED, shrunk.observed);
    const [replayed] = loadRegressionCases(path.dirname(saved));
    expect(replayed).toMatchObject({ id: `regression-${carrier.id}`, shrunkFrom: { caseId: carrier.id, seed: GENERATED_SEED } });
    const [result] = await runCase(cluster, sides, backends, replayed);
    const statuses = (shares: Record<string, number>) => Object.keys(shares).map((key) => JSON.parse(key).status);
    expect({ agree: result.agree, istiod: statuses(result.istiod), reconciler: statuses(result.reconciler) })
      .toEqual({ agree: false, istiod: [503], reconciler: [404] });
  }, 300_000);
});

const HASH_POLICIES = new Set(['RING_HASH', 'MAGLEV']);

describe('generated DestinationRules', () => {
  test.each(DR_BATCHES.map((batch, index) => [index, batch] as const))('GIVEN batch %i of the generated DestinationRules', async (index, batch) => {
    const marker = `marker-${index}`;
    // Replaced, not applied server-side: a server-side apply of an empty policy (`trafficPolicy: {}`) over
    // a set one is refused by the API server ("must be of type object: null").
    await cluster.kubectl(['delete', 'destinationrules', '-n', MESH_NAMESPACE, ...batch.map((rule) => rule.service), '--ignore-not-found', '--wait=true']);
    await cluster.kubectl(['create', '-f', '-'], batch.map((rule) => JSON.stringify(withMarkerSubset(rule.object, marker))).join('\n---\n'));
    const served = async (sidecar: SidecarEnvoy) => cluster.waitFor(`${sidecar.plane.side} to serve DestinationRule batch ${index}`, async () => {
      const clusters = clustersOf(await sidecar.configDump());
      return batch.every((rule) => clusters.has(`outbound|${SERVICE_PORT}|${marker}|${hostOf(rule.service)}`)) ? clusters : undefined;
    }, 60_000, 200);
    const [istiodClusters, reconcilerClusters] = await Promise.all([served(sides.istiod), served(sides.reconciler)]);
    const [istiodDump, reconcilerDump] = await Promise.all([sides.istiod.configDump(), sides.reconciler.configDump()]);
    const disagreements: Record<string, unknown>[] = [];
    for (const rule of batch) {
      const host = hostOf(rule.service);
      for (const subset of ['', ...GENERATED_VERSIONS]) {
        const name = `outbound|${SERVICE_PORT}|${subset}|${host}`;
        const istiod = istiodClusters.get(name);
        const reconciler = reconcilerClusters.get(name);
        const a = istiod ? normaliseCluster(istiod) : 'missing';
        const b = reconciler ? normaliseCluster(reconciler) : 'missing';
        const agree = JSON.stringify(a) === JSON.stringify(b);
        drResults.push({ caseId: rule.id, cluster: name, agree });
        if (!agree) disagreements.push({ caseId: rule.id, cluster: name, rule: rule.object.spec, istiod: a, reconciler: b });
      }
      // A route's hash policy means something only to a hash-based load balancer on its cluster.
      const defaultCluster = `outbound|${SERVICE_PORT}||${host}`;
      const hashing = [istiodClusters, reconcilerClusters].some((clusters) => HASH_POLICIES.has(String(clusters.get(defaultCluster)?.lb_policy)));
      if (hashing) {
        const hashes = { istiod: routeHashPolicy(istiodDump, host), reconciler: routeHashPolicy(reconcilerDump, host) };
        drResults.push({ caseId: rule.id, cluster: `route hash policy for ${host}`, agree: hashes.istiod === hashes.reconciler });
        if (hashes.istiod !== hashes.reconciler) disagreements.push({ caseId: rule.id, route: host, rule: rule.object.spec, ...hashes });
      }
    }
    if (disagreements.length > 0) fs.writeFileSync(path.join(runDir, `disagreements-dr-batch-${index}.json`), JSON.stringify({ seed: GENERATED_SEED, disagreements }, null, 2));
    expect(disagreements).toEqual([]);
  }, 120_000);
});

describe('AuthorizationPolicies', () => {
  test.each(AUTHORIZATION_CASES.map((testCase) => [testCase.id, testCase] as const))('GIVEN the %s case', async (_id, testCase) => {
    const caseResults = await runAuthorizationCase(cluster, guarded, testCase, process.env.DIFFERENTIAL_DUMP ? runDir : undefined);
    if (process.env.DIFFERENTIAL_HOLD_MS) await new Promise((resolve) => setTimeout(resolve, Number(process.env.DIFFERENTIAL_HOLD_MS)));
    results.push(...caseResults);
    const unexpected = caseResults.filter((result) => !result.agree && !isDeliberate(result.caseId, result.className));
    if (unexpected.length > 0) fs.writeFileSync(path.join(runDir, `disagreements-${testCase.id}.json`), JSON.stringify({ seed: GENERATED_SEED, testCase, unexpected }, null, 2));
    expect(unexpected).toEqual([]);
  }, 120_000);
});

describe('Gateways', () => {
  let routers: Sides | undefined;
  let httpsRouters: Sides | undefined;

  beforeAll(async () => {
    // One router per control plane, both selected by the fixed Gateway; each listens on its own Service's target ports.
    const tlsDir = path.join(runDir, 'gateway-tls');
    const certificates = await makeCertificates(tlsDir, [SHOP_HOST, SECURE_HOST]);
    await cluster.apply(gatewayObjects(serverCertificate(tlsDir)).map((object) => JSON.stringify(object)).join('\n---\n'), 'differential-suite');
    for (const pod of Object.values(GATEWAY_PODS)) {
      await cluster.api.patch(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, podStatus(pod), 'merge');
      await runChecked('ip', ['addr', 'replace', `${pod.address}/32`, 'dev', 'lo']);
    }
    const token = (await serviceAccountTokens(cluster, [{ ...GATEWAY_PODS.istiod, service: 0 }])).get(GATEWAY_PODS.istiod.name)!;
    // istiod hands the HTTPS server's Secret only to a router authenticated on its TLS port, as pilot-agent connects in a pod.
    const xdsTls = { port: ISTIOD_PORTS.xdsTls, rootCertificatePem: await rootCertificate(cluster, MESH_NAMESPACE), serverName: ISTIOD_SERVER_NAME };
    const router = (plane: ControlPlane, side: 'istiod' | 'reconciler', adminPort: number) =>
      SidecarEnvoy.start(plane, GATEWAY_PODS[side], token, runDir, adminPort, GATEWAY_PODS[side].targetPort, undefined, { role: 'router', ...(side === 'istiod' ? { xdsTls } : {}) });
    routers = { istiod: await router(istiodPlane, 'istiod', 19150), reconciler: await router(reconcilerPlane, 'reconciler', 19160) };
    const ca = fs.readFileSync(certificates.ca);
    const https = (sidecar: SidecarEnvoy, side: 'istiod' | 'reconciler') =>
      sidecar.through({ host: sidecar.listener.host, port: GATEWAY_PODS[side].tlsTargetPort, freshConnections: true, tls: { ca } });
    httpsRouters = { istiod: https(routers.istiod, 'istiod'), reconciler: https(routers.reconciler, 'reconciler') };
  }, 180_000);

  afterAll(async () => {
    await routers?.istiod.stop();
    await routers?.reconciler.stop();
  }, 60_000);

  test.each(GATEWAY_CASES.map((testCase) => [testCase.id, testCase] as const))('GIVEN the %s case', async (_id, testCase) => {
    // The mesh's probe host is not on the Gateway: markers are asked for on the case's own hosts.
    const caseResults = await runCase(cluster, routers!, backends, testCase, [PROBE_HOST]);
    expectOnlyDeliberateDifferences(testCase, caseResults);
    const routeNames = { istiod: gatewayRouteConfig(GATEWAY_PODS.istiod), reconciler: gatewayRouteConfig(GATEWAY_PODS.reconciler) };
    await expectSameRoutes([testCase], testCase.id, routers!, routeNames);
  }, 240_000);

  test.each(GATEWAY_SECURITY_CASES.map((testCase) => [testCase.id, testCase] as const))('GIVEN the %s case', async (_id, testCase) => {
    await applyCase(cluster, routers!, testCase.objects, testCase.id, { unmarkedHosts: [PROBE_HOST] });
    // The markers prove the routes; the policies live in the listeners, which must be the new ones, with
    // nothing old still draining (a draining listener keeps accepting, and kept connections keep old filters).
    const policies = testCase.objects.filter((object) => object.kind === 'AuthorizationPolicy').map((object) => object.metadata.name);
    const verifiesTokens = testCase.objects.some((object) => object.kind === 'RequestAuthentication');
    await Promise.all([routers!.istiod, routers!.reconciler].map((router) => cluster.waitFor(`${router.plane.side} to enforce the policies of ${testCase.id}`, async () => {
      const listeners = JSON.stringify(await router.configDump({ resource: 'dynamic_listeners' }));
      for (const name of policies) if (!await listenersMention(router, name)) return false;
      return listeners.includes('envoy.filters.http.jwt_authn') === verifiesTokens && !listeners.includes('warming_state') && await router.listenersDraining() === 0;
    }, 60_000, 200)));
    const fresh = (router: SidecarEnvoy) => router.through({ ...router.listener, freshConnections: true });
    const caseResults = await runRequests({ istiod: fresh(routers!.istiod), reconciler: fresh(routers!.reconciler) }, backends, [testCase]);
    expectOnlyDeliberateDifferences(testCase, caseResults);
    const routeNames = { istiod: gatewayRouteConfig(GATEWAY_PODS.istiod), reconciler: gatewayRouteConfig(GATEWAY_PODS.reconciler) };
    await expectSameRoutes([testCase], testCase.id, routers!, routeNames);
  }, 240_000);

  test.each(GATEWAY_HTTPS_CASES.map((testCase) => [testCase.id, testCase] as const))('GIVEN the %s case over HTTPS', async (_id, testCase) => {
    // Served once the plaintext listener answers the case's markers (the same VirtualServices), then asked over TLS.
    await applyCase(cluster, routers!, testCase.objects, testCase.id, { unmarkedHosts: [PROBE_HOST] });
    const caseResults = await runRequests(httpsRouters!, backends, [testCase]);
    if (caseResults.some((result) => !result.agree || Object.keys(result.istiod).some((key) => JSON.parse(key).status !== 200))) {
      for (const side of ['istiod', 'reconciler'] as const) {
        fs.writeFileSync(path.join(runDir, `router-config-${testCase.id}-${side}.json`), JSON.stringify(await routers![side].configDump(), null, 1));
      }
    }
    expectOnlyDeliberateDifferences(testCase, caseResults);
    expect(caseResults.every((result) => Object.keys(result.istiod).every((key) => JSON.parse(key).status === 200))).toBe(true);
    // Istio names an HTTPS server's route configuration after its port, port name, Gateway and namespace, on both sides.
    const httpsRoutes = `https.${GATEWAY_TLS_PORT}.https.${GATEWAY_NAME}.${MESH_NAMESPACE}`;
    await expectSameRoutes([testCase], `${testCase.id}-https`, routers!, { istiod: httpsRoutes, reconciler: httpsRoutes });
    for (const side of ['istiod', 'reconciler'] as const) {
      const dump = await routers![side].configDump({ resource: 'dynamic_route_configs' });
      for (const host of hostsOf([testCase]).get(testCase.id)!) {
        expect({ side, host, served: (routesOfHost(dump, host, httpsRoutes)?.length ?? 0) > 0 }).toEqual({ side, host, served: true });
      }
    }
  }, 240_000);
});

describe('fields the reconciler does not apply', () => {
  test('GIVEN objects that each set a field istiod applies and the reconciler does not WHEN applied THEN each is served and the field reported by its path', async () => {
    const yaml = NOT_APPLIED_FIELDS.map(({ object }) => JSON.stringify(object)).join('\n---\n');
    await cluster.apply(yaml, 'differential-suite');
    const key = (kind: string, name: string, field: string) => `${kind} ${name} ${field}`;
    const expected = NOT_APPLIED_FIELDS.map(({ object, path: field }) => key(object.kind, object.metadata.name, field)).sort();
    const isCase = (name: unknown) => typeof name === 'string' && name.startsWith('na-');
    const report = await cluster.waitFor('the reconciler to report every field it does not apply', async () => {
      const body = await fetch(`http://127.0.0.1:${RECONCILER_BENCH_PORTS.ops}/debug/rejected`).then((response) => response.json()) as {
        rejected: { kind: string; name?: string }[]; notApplied: { kind: string; namespace: string; name: string; fields: { path: string }[] }[];
      };
      const reported = body.notApplied.filter((entry) => entry.namespace === MESH_NAMESPACE && isCase(entry.name))
        .flatMap((entry) => entry.fields.map((field) => key(entry.kind, entry.name, field.path))).sort();
      if (!expected.every((entry) => reported.includes(entry))) return undefined;
      return { reported, rejected: body.rejected.filter((entry) => isCase(entry.name)) };
    }, 60_000, 250);
    expect(report.reported).toEqual(expected);
    expect(report.rejected).toEqual([]);
    await cluster.kubectl(['delete', '-f', '-', '--wait=true'], yaml);
  }, 120_000);
});
