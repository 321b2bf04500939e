/**
 * The side-by-side run: one API server, one mesh, the same simulated sidecars, and the control
 * planes taking turns (reconciler, istiod default, istiod tuned; repeated). Prints one JSON line
 * per side and repetition (`figure: vs-istiod`) for report.js. Runs inside a network namespace of
 * its own (bench/run.sh vs-istiod starts it with `unshare`).
 *   node main.js --services 200 --proxies 100 --edits 50 --idle-seconds 30 --churn-rate 40 --churn-seconds 60 --runs 3
 *     [--dependencies 5] [--many-proxies 1000] [--variants unscoped,sidecar,many-proxies] [--sides reconciler,istiod-tuned]
 * With --many-proxies, that many proxies connect, idle and ride out a restart too, last (variants.ts).
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import type { Cluster } from '../../../test/kubernetes/cluster/cluster';
import type { FigureRun } from '../figures/figure';
import { measureAuthCost } from './auth-cost';
import { forEachLimited, serviceAccountTokens, startBenchCluster, waitForControllerSlices, writeMesh } from './bench-cluster';
import { ControlPlane, Side, SIDES } from './control-plane';
import { CanaryRotation } from './endpoint-churn';
import { startIstiod } from './istiod';
import { BenchMeshScale, canaryPool, collectionPath, serviceObjects } from './mesh-objects';
import { startKubeReconciler } from './reconciler-kube';
import { checkRealEnvoy } from './real-envoy-check';
import { proxyPods } from './sidecar-identity';
import { CanaryWeights, runSide, SideRunParams, SideRunResult, simulatedListenerCount } from './side-run';
import { chooseVariants } from './variants';

/** Services whose canary endpoint the churn phase moves, and the spare pods each moves between. */
const CHURNED_SERVICES = 20;
const SPARES_PER_CHURNED_SERVICE = 3;

function startSide(side: Side, cluster: Cluster): Promise<ControlPlane> {
  if (side === 'reconciler') return startKubeReconciler({ kubeconfigFile: cluster.kubeconfigFile, runDir: cluster.runDir });
  return startIstiod({ tuned: side === 'istiod-tuned', kubeconfigFile: cluster.kubeconfigFile, runDir: cluster.runDir });
}

function wholeNumber(values: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} is '${text}'; it must be a whole number`);
  return value;
}

function measurements(result: SideRunResult): FigureRun['measurements'] {
  const entries: [string, number | undefined, string][] = [
    ['coldConnectSeconds', result.coldConnectSeconds, 's'],
    ['coldConnectCpu', result.coldConnectCpuSeconds, 'CPU s'],
    ['peakRss', result.peakRssMiB, 'MiB'],
    ['bytesPerProxy', result.bytesPerProxy, 'B'],
    ['idleRss', result.idleRssMiB, 'MiB'],
    ['idleCpuPerMinute', result.idleCpuSecondsPerMinute, 'CPU s/min'],
    ['editP50', result.editP50Ms, 'ms'],
    ['editP99', result.editP99Ms, 'ms'],
    ['edsBytesPerProxyPerChange', result.churn?.edsBytesPerProxyPerChange, 'B'],
    ['churnCpuPerSecond', result.churn?.cpuPerSecond, 'CPU s/s'],
    ['stormSeconds', result.storm?.allReAckedSeconds, 's'],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined).map(([name, value, unit]) => [name, { value: value!, unit }]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: Object.fromEntries(['services', 'proxies', 'edits', 'idle-seconds', 'churn-rate', 'churn-seconds', 'runs', 'dependencies', 'many-proxies', 'variants', 'timeout-ms', 'sides']
      .map((name) => [name, { type: 'string' as const }])),
  });
  const services = wholeNumber(values, 'services', 200);
  const proxies = wholeNumber(values, 'proxies', 100);
  const edits = wholeNumber(values, 'edits', 50);
  const idleSeconds = wholeNumber(values, 'idle-seconds', 30);
  const churnRate = wholeNumber(values, 'churn-rate', 40);
  const churnSeconds = wholeNumber(values, 'churn-seconds', 60);
  const runs = wholeNumber(values, 'runs', 3);
  const dependencies = wholeNumber(values, 'dependencies', 5);
  const manyProxies = wholeNumber(values, 'many-proxies', 0);
  // Only a hang waits this long; default istiod admits 25 new streams a second, so 1 000 proxies take minutes.
  const timeoutMs = wholeNumber(values, 'timeout-ms', 900_000);
  const variants = chooseVariants(values.variants, { dependencies, manyProxies });
  const sides = (values.sides ?? SIDES.join(',')).split(',') as Side[];
  const unknown = sides.filter((side) => !SIDES.includes(side));
  if (unknown.length > 0) throw new Error(`--sides names ${unknown.join(', ')}; the sides are ${SIDES.join(', ')}`);
  const scale: BenchMeshScale = { services };
  const pods = proxyPods(proxies, scale);
  const pool = canaryPool(scale, CHURNED_SERVICES, SPARES_PER_CHURNED_SERVICE);
  const churn = churnRate > 0 && churnSeconds > 0 ? { rotation: new CanaryRotation(pool), rate: churnRate, seconds: churnSeconds } : undefined;
  const log = (message: string) => process.stderr.write(`vs-istiod: ${message}\n`);

  const cluster = await startBenchCluster();
  try {
    log(`writing ${services} services (logs in ${cluster.runDir})`);
    await writeMesh(cluster, scale, pool.flat());
    await waitForControllerSlices(cluster, scale, 15 * 60_000, log);
    const tokens = await serviceAccountTokens(cluster, pods);
    const weights = new CanaryWeights();
    const emit = (side: Side, scoping: string, params: SideRunParams, result: SideRunResult, extra: Record<string, number | string>) => {
      const run: FigureRun = {
        figure: 'vs-istiod',
        params: {
          services, proxies: params.pods.length, edits: params.edits, idleSeconds: params.idleSeconds,
          churnRate: params.churn?.rate ?? 0, churnSeconds: params.churn?.seconds ?? 0, scoping, side,
        },
        measurements: measurements(result),
        notes: {
          startupRssMiB: Math.round(result.startupRssMiB), ...(result.settleCpuSeconds !== undefined ? { settleCpuSeconds: Number(result.settleCpuSeconds.toFixed(2)) } : {}),
          ...(result.kubectlApplyMs !== undefined ? { kubectlApplyMs: Math.round(result.kubectlApplyMs) } : {}),
          ...(result.churn ? { churnChanges: result.churn.changes, churnAchievedRate: Number(result.churn.achievedRate.toFixed(1)), edsPushesPerProxy: result.churn.edsPushesPerProxy } : {}),
          ...(result.storm ? { stormStopSeconds: Number(result.storm.stopSeconds.toFixed(2)), stormStartSeconds: Number(result.storm.startSeconds.toFixed(2)) } : {}),
          loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '), ...extra,
        },
      };
      process.stdout.write(`${JSON.stringify(run)}\n`);
    };
    const repeat = async (label: string, scoping: string, params: SideRunParams, extra: (side: Side) => Record<string, number | string> = () => ({})) => {
      for (let run = 1; run <= runs; run += 1) {
        for (const side of sides) {
          log(`run ${run}/${runs}: ${side}${label}`);
          emit(side, scoping, params, await runSide(cluster, () => startSide(side, cluster), params, weights), extra(side));
        }
      }
    };

    if (variants.includes('unscoped')) {
      const auth = await measureAuthCost(cluster, pods, tokens);
      log(`TokenReview p50 ${auth.tokenReviewP50Ms.toFixed(1)} ms, certificate ${auth.certificateCpuMs.toFixed(1)} CPU ms each`);
      const authNotes = {
        tokenReviewP50Ms: Number(auth.tokenReviewP50Ms.toFixed(2)), tokenReviewP99Ms: Number(auth.tokenReviewP99Ms.toFixed(2)),
        certificateCpuMs: Number(auth.certificateCpuMs.toFixed(2)), certificatesCpuSeconds: Number(auth.certificatesTotalCpuSeconds.toFixed(3)),
        tokenReviewsSerialSeconds: Number(auth.tokenReviewsTotalSeconds.toFixed(3)),
      };
      const realEnvoy: Record<string, string> = {};
      for (const side of sides) {
        const plane = await startSide(side, cluster);
        try {
          log(`${side}: one real Envoy`);
          const simulated = side === 'reconciler' ? undefined : () => simulatedListenerCount(plane, pods[0], tokens.get(pods[0].name)!, timeoutMs);
          const real = await checkRealEnvoy(plane, pods[0], tokens.get(pods[0].name)!, cluster.runDir, simulated);
          realEnvoy[side] = `${real.clusters} clusters, ${real.listeners} listeners (${real.listenersFrom}), ${real.rejected} rejected`;
          log(`${side}: real Envoy: ${realEnvoy[side]}`);
        } finally {
          await plane.stop();
        }
      }
      await repeat('', 'none', { scale, pods, tokens, idleSeconds, edits, churn, storm: true, timeoutMs },
        (side) => ({ ...(side === 'reconciler' ? authNotes : {}), realEnvoy: realEnvoy[side] ?? 'not checked' }));
    }

    if (variants.includes('sidecar')) {
      const scoped: BenchMeshScale = { ...scale, sidecarDependencies: dependencies };
      const sidecars = Array.from({ length: services }, (_, index) => serviceObjects(index, scoped)).flat().filter((object) => object.kind === 'Sidecar');
      await forEachLimited(sidecars, 16, async (object) => { await cluster.api.create(collectionPath(object), object); });
      await repeat(`, Sidecar scoping to ${dependencies} services`, `sidecar-${dependencies}`, { scale: scoped, pods, tokens, idleSeconds: 0, edits: 0, storm: false, timeoutMs });
      // The scoped variant's objects would narrow every proxy's config in the variants after it.
      await forEachLimited(sidecars, 16, async (object) => { await cluster.api.delete(`${collectionPath(object)}/${object.metadata.name}`); });
    }

    if (variants.includes('many-proxies')) {
      const manyPods = proxyPods(manyProxies, scale);
      const manyTokens = await serviceAccountTokens(cluster, manyPods);
      await repeat(`, ${manyProxies} proxies`, 'none', { scale, pods: manyPods, tokens: manyTokens, idleSeconds, edits: 0, storm: true, timeoutMs });
    }
  } finally {
    await cluster.stop();
  }
}

main().then(() => process.exit(0), (error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
