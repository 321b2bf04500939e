/**
 * Figure 4: `rate` endpoint changes per second for `seconds` (a canary workload moving address),
 * delivered without a file settle delay as a watch-based source would; EDS bytes each proxy receives
 * per change, and the reconciler's CPU. Delta should carry only the changed assignments.
 */
import { TYPE_URLS } from '../../src/push/contract';
import { MeshScale, serviceFile, serviceYaml, writeMeshConfig } from '../mesh-config';
import { ReconcilerChild } from '../reconciler-child';
import { ProxyFleet } from '../sim/proxy-fleet';
import type { AdsFlavour } from '../sim/simulated-proxy';
import { FigureRun, proxyWorkloads, removeDir, sleep } from './figure';

export interface ChurnParams {
  readonly services: number;
  readonly proxies: number;
  readonly rate: number;
  readonly seconds: number;
  readonly flavour: AdsFlavour;
  readonly timeoutMs: number;
}

export async function endpointChurn(params: ChurnParams): Promise<FigureRun> {
  const scale: MeshScale = { services: params.services };
  const dir = writeMeshConfig(scale);
  const reconciler = await ReconcilerChild.spawn({ dir, source: 'pushed' });
  const fleet = new ProxyFleet(proxyWorkloads(params.proxies, scale), { target: `127.0.0.1:${reconciler.xdsPort}`, flavour: params.flavour });
  const eds = () => fleet.proxies.reduce((sum, proxy) => {
    const counters = proxy.counters.get(TYPE_URLS.endpoint)!;
    return { bytes: sum.bytes + counters.bytes, responses: sum.responses + counters.responses, resources: sum.resources + counters.resources };
  }, { bytes: 0, responses: 0, resources: 0 });
  try {
    fleet.connectAll();
    await fleet.waitAllSynced(params.timeoutMs);
    const before = eds();
    const cpuBefore = reconciler.cpuSeconds();
    const changes = Math.round(params.rate * params.seconds);
    const started = performance.now();
    for (let change = 0; change < changes; change += 1) {
      const service = change % params.services;
      // A fresh address slot past every generated one: each change really moves an endpoint.
      reconciler.replace(serviceFile(dir, service), serviceYaml(service, scale, { canarySlot: params.services * 2 + change }));
      const due = started + ((change + 1) * 1000) / params.rate;
      await sleep(Math.max(0, due - performance.now()));
    }
    const churnSeconds = (performance.now() - started) / 1000;
    // Quiet: nothing new arrives for a while after the last change.
    let last = eds().responses;
    for (let quiet = 0; quiet < 5;) {
      await sleep(200);
      const now = eds().responses;
      quiet = now === last ? quiet + 1 : 0;
      last = now;
    }
    const cpu = reconciler.cpuSeconds() - cpuBefore;
    const after = eds();
    const perProxyPerChange = (after.bytes - before.bytes) / params.proxies / changes;
    return {
      figure: 'endpoint-churn',
      params: { ...params },
      measurements: {
        edsBytesPerProxyPerChange: { value: perProxyPerChange, unit: 'B' },
        edsResourcesPerProxyPerPush: { value: (after.resources - before.resources) / Math.max(1, after.responses - before.responses), unit: 'resources' },
        reconcilerCpuPerSecond: { value: cpu / churnSeconds, unit: 'CPU s/s' },
      },
      notes: {
        changes,
        edsPushesPerProxy: (after.responses - before.responses) / params.proxies,
        edsBytesTotal: after.bytes - before.bytes,
      },
    };
  } finally {
    fleet.closeAll();
    await reconciler.stop();
    removeDir(dir);
  }
}
