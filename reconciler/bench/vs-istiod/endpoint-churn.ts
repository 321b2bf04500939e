/**
 * Endpoint churn through the API server: `rate` changes per second for `seconds`, each moving one
 * churned service's canary endpoint to its next spare pod (one pod leaves the EndpointSlice, another
 * joins), as a rollout replacing pods does. Measured on the simulated proxies: EDS bytes each one
 * receives per change; on the control plane: CPU per second until the pushes have gone quiet.
 */
import type { Cluster } from '../../../test/kubernetes/cluster/cluster';
import { TYPE_URLS } from '../../src/push/contract';
import { sleep } from '../figures/figure';
import type { ProxyFleet } from '../sim/proxy-fleet';
import { ControlPlane, planeCpuSeconds } from './control-plane';
import { BenchMeshScale, BenchPod, endpointSlice } from './mesh-objects';

/**
 * Which spare each churned service's canary endpoint is on, kept across runs and sides: every change
 * moves it to another pod than the one it is on, so no write is a no-op the API server drops.
 */
export class CanaryRotation {
  private readonly current = new Map<number, number>();

  /** Per churned service (index = service), its spare canary pods. */
  constructor(readonly pool: readonly (readonly BenchPod[])[]) {
    if (pool.length === 0 || pool.some((spares) => spares.length < 2)) {
      throw new Error('endpoint churn needs at least one churned service with two spare pods or more');
    }
  }

  /** The service the next change moves, and the spare it moves to. */
  next(change: number): { service: number; canary: BenchPod } {
    const service = change % this.pool.length;
    const spare = ((this.current.get(service) ?? -1) + 1) % this.pool[service].length;
    this.current.set(service, spare);
    return { service, canary: this.pool[service][spare] };
  }
}

export interface ChurnParams {
  readonly scale: BenchMeshScale;
  readonly rotation: CanaryRotation;
  readonly rate: number;
  readonly seconds: number;
  readonly timeoutMs: number;
}

export interface ChurnResult {
  readonly changes: number;
  readonly edsBytesPerProxyPerChange: number;
  readonly edsPushesPerProxy: number;
  readonly cpuPerSecond: number;
  /** The rate the API server took the changes at (below `rate` when writes fell behind). */
  readonly achievedRate: number;
}

/** Writes in flight at most; a slower API server lowers the achieved rate rather than queueing. */
const MAX_WRITES_IN_FLIGHT = 8;
/** Pushes have stopped once no EDS response arrived for this long. */
const QUIET_MS = 1000;

function edsTotals(fleet: ProxyFleet): { bytes: number; responses: number } {
  let bytes = 0;
  let responses = 0;
  for (const proxy of fleet.proxies) {
    const counters = proxy.counters.get(TYPE_URLS.endpoint)!;
    bytes += counters.bytes;
    responses += counters.responses;
  }
  return { bytes, responses };
}

async function waitQuiet(fleet: ProxyFleet, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = edsTotals(fleet).responses;
  let quietSince = performance.now();
  while (performance.now() - quietSince < QUIET_MS) {
    if (performance.now() > deadline) throw new Error(`EDS pushes did not go quiet within ${timeoutMs} ms of the last endpoint change`);
    await sleep(100);
    const now = edsTotals(fleet).responses;
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    }
  }
}

export async function churnEndpoints(cluster: Cluster, plane: ControlPlane, fleet: ProxyFleet, params: ChurnParams): Promise<ChurnResult> {
  const changes = Math.round(params.rate * params.seconds);
  const before = edsTotals(fleet);
  const cpuBefore = planeCpuSeconds(plane);
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let change = 0; change < changes; change += 1) {
    const { service, canary } = params.rotation.next(change);
    const slice = endpointSlice(service, params.scale, canary);
    const write = cluster.api.patch(`/apis/discovery.k8s.io/v1/namespaces/${slice.metadata.namespace}/endpointslices/${slice.metadata.name}`,
      { endpoints: slice.endpoints }, 'merge');
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    if (inFlight.size >= MAX_WRITES_IN_FLIGHT) await Promise.race(inFlight);
    await sleep(Math.max(0, started + ((change + 1) * 1000) / params.rate - performance.now()));
  }
  await Promise.all(inFlight);
  const writeSeconds = (performance.now() - started) / 1000;
  await waitQuiet(fleet, params.timeoutMs);
  const cpu = planeCpuSeconds(plane) - cpuBefore;
  const after = edsTotals(fleet);
  return {
    changes,
    edsBytesPerProxyPerChange: (after.bytes - before.bytes) / fleet.proxies.length / changes,
    edsPushesPerProxy: (after.responses - before.responses) / fleet.proxies.length,
    cpuPerSecond: cpu / writeSeconds,
    achievedRate: changes / writeSeconds,
  };
}
