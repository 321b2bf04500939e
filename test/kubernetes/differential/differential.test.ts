/**
 * istiod as the oracle: the same Istio objects in one API server, watched by istiod and by the
 * reconciler; one real sidecar Envoy connected to each; the same requests through both; outcomes
 * compared per request class. Every disagreement must be a deliberate difference listed in the
 * README (and in `deliberate-differences.ts`), and each listed difference must still be observed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DELIBERATE_DIFFERENCES, isDeliberate } from './deliberate-differences';
import { ClassResult, runCase, Sides } from './differential-runner';
import { EchoBackends } from './echo-backends';
import { CLIENT_POD, meshObjects, NAMED_SERVICES, podsOf, podStatus, SERVICE_PORT } from './mesh-under-test';
import { closeRequestAgents } from './request-outcome';
import { SCENARIO_CASES } from './scenario-cases';
import { SidecarEnvoy } from './sidecar-envoy';
import { serviceAccountTokens, startBenchCluster } from '../../../reconciler/bench/vs-istiod/bench-cluster';
import type { ControlPlane } from '../../../reconciler/bench/vs-istiod/control-plane';
import { startIstiod } from '../../../reconciler/bench/vs-istiod/istiod';
import { startKubeReconciler } from '../../../reconciler/bench/vs-istiod/reconciler-kube';
import type { Cluster } from '../cluster/cluster';
import { runChecked } from '../cluster/command';

let cluster: Cluster;
let backends: EchoBackends;
let planes: ControlPlane[] = [];
let sides: Sides;
let runDir: string;
const results: ClassResult[] = [];

beforeAll(async () => {
  cluster = await startBenchCluster();
  runDir = fs.mkdtempSync(path.join(cluster.runDir, 'differential-'));
  const services = NAMED_SERVICES;
  await cluster.apply(meshObjects(services).map((object) => JSON.stringify(object)).join('\n---\n'), 'differential-suite');
  const pods = podsOf(services);
  for (const pod of [...pods, CLIENT_POD]) await cluster.api.patch(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, podStatus(pod), 'merge');
  backends = await EchoBackends.start(pods, SERVICE_PORT);
  // The reconciler binds the client's outbound listener to its pod address (istiod to localhost).
  await runChecked('ip', ['addr', 'replace', `${CLIENT_POD.address}/32`, 'dev', 'lo']);
  const istiod = await startIstiod({ tuned: true, kubeconfigFile: cluster.kubeconfigFile, runDir });
  planes.push(istiod);
  const reconciler = await startKubeReconciler({ kubeconfigFile: cluster.kubeconfigFile, runDir });
  planes.push(reconciler);
  const token = (await serviceAccountTokens(cluster, [{ ...CLIENT_POD, service: 0 }])).get(CLIENT_POD.name)!;
  sides = {
    istiod: await SidecarEnvoy.start(istiod, CLIENT_POD, token, runDir, 19110, SERVICE_PORT),
    reconciler: await SidecarEnvoy.start(reconciler, CLIENT_POD, token, runDir, 19120, SERVICE_PORT),
  };
}, 300_000);

afterAll(async () => {
  closeRequestAgents();
  if (runDir) fs.writeFileSync(path.join(runDir, 'report.json'), JSON.stringify(results, null, 2));
  await sides?.istiod.stop();
  await sides?.reconciler.stop();
  for (const plane of planes) await plane.stop();
  await backends?.stop();
  await cluster?.stop();
}, 120_000);

describe('istiod and the reconciler answer the same requests the same way', () => {
  test.each(SCENARIO_CASES.map((testCase) => [testCase.id, testCase] as const))('GIVEN the %s case', async (_id, testCase) => {
    const caseResults = await runCase(cluster, sides, backends, testCase);
    results.push(...caseResults);
    const unexpected = caseResults.filter((result) => !result.agree && !isDeliberate(result.caseId, result.className));
    expect(unexpected).toEqual([]);
    const listedHere = DELIBERATE_DIFFERENCES.filter((difference) => difference.caseId === testCase.id);
    const stillDiffering = listedHere.filter((difference) =>
      caseResults.some((result) => result.className === difference.className && !result.agree));
    expect(stillDiffering).toEqual(listedHere);
  }, 240_000);
});
