/**
 * One repetition on one side: start the control plane against the shared API server, connect the
 * simulated sidecars at once (cold connect → all ACKed: wall, CPU, peak RSS, bytes per proxy),
 * then, each if asked: stay idle with them connected (RSS, CPU per minute), edit VirtualServices
 * with `kubectl apply` one at a time and time each until the last proxy ACKs the new routes, churn
 * endpoints, and finally restart the control plane under its connected proxies (the reconnect storm).
 */
import type { Cluster } from '../../../test/kubernetes/cluster/cluster';
import { TYPE_URLS } from '../../src/push/contract';
import { sleep } from '../figures/figure';
import { ProxyFleet } from '../sim/proxy-fleet';
import { ControlPlane, planeCpuSeconds, planePeakRssMiB, planeRssMiB } from './control-plane';
import { churnEndpoints, ChurnParams, ChurnResult } from './endpoint-churn';
import { BenchMeshScale, BenchPod, virtualService } from './mesh-objects';
import { reconnectStorm, StormResult } from './reconnect-storm';
import { sidecarNode } from './sidecar-identity';
import { percentileOf } from './summary';

/** Between the last ACK of the cold connect and the idle measurement, on both sides. */
export const IDLE_SETTLE_MS = 60_000;

export interface SideRunParams {
  readonly scale: BenchMeshScale;
  readonly pods: readonly BenchPod[];
  readonly tokens: ReadonlyMap<string, string>;
  /** 0: no idle phase (and no settling after the cold connect). */
  readonly idleSeconds: number;
  /** 0: no edits. */
  readonly edits: number;
  /** Without: no churn phase. */
  readonly churn?: Omit<ChurnParams, 'scale' | 'timeoutMs'>;
  readonly storm: boolean;
  readonly timeoutMs: number;
}

export interface SideRunResult {
  readonly coldConnectSeconds: number;
  readonly coldConnectCpuSeconds: number;
  readonly peakRssMiB: number;
  readonly startupRssMiB: number;
  readonly bytesPerProxy: number;
  /** CPU in the settle period between the cold connect and the idle measurement. */
  readonly settleCpuSeconds?: number;
  readonly idleRssMiB?: number;
  readonly idleCpuSecondsPerMinute?: number;
  readonly editP50Ms?: number;
  readonly editP99Ms?: number;
  /** Median wall time of the `kubectl apply` itself, part of every edit latency on both sides. */
  readonly kubectlApplyMs?: number;
  readonly churn?: ChurnResult;
  readonly storm?: Omit<StormResult, 'plane'>;
}

/** The VirtualService weights written so far, so every edit changes the routes whichever side reads them. */
export class CanaryWeights {
  private readonly weights = new Map<number, number>();

  next(service: number): number {
    const current = this.weights.get(service) ?? 10;
    const next = current >= 98 ? 11 : current + 1;
    this.weights.set(service, next);
    return next;
  }
}

export async function runSide(cluster: Cluster, start: () => Promise<ControlPlane>, params: SideRunParams, weights: CanaryWeights): Promise<SideRunResult> {
  let plane = await start();
  const fleet = ProxyFleet.ofMembers(params.pods.map((pod) => ({
    node: sidecarNode(pod),
    callMetadata: { authorization: `Bearer ${params.tokens.get(pod.name)}` },
  })), { target: plane.xdsTarget, flavour: 'delta' });
  try {
    const startupRssMiB = planePeakRssMiB(plane);
    const cpuBefore = planeCpuSeconds(plane);
    const started = performance.now();
    fleet.connectAll();
    await fleet.waitAllSynced(params.timeoutMs);
    const coldConnectSeconds = (fleet.lastAckAt() - started) / 1000;
    const coldConnectCpuSeconds = planeCpuSeconds(plane) - cpuBefore;
    const bytesPerProxy = fleet.totalBytes() / fleet.proxies.length;
    const cold = { coldConnectSeconds, coldConnectCpuSeconds, peakRssMiB: planePeakRssMiB(plane), startupRssMiB, bytesPerProxy };
    const idle = params.idleSeconds > 0 ? await idleWindow(plane, params.idleSeconds) : {};
    const edits = params.edits > 0 ? await editLatencies(cluster, plane, fleet, params, weights) : {};
    const churn = params.churn ? await churnEndpoints(cluster, plane, fleet, { ...params.churn, scale: params.scale, timeoutMs: params.timeoutMs }) : undefined;
    let storm: SideRunResult['storm'];
    if (params.storm) {
      const { plane: restarted, ...figures } = await reconnectStorm(fleet, plane, start, params.timeoutMs);
      plane = restarted;
      storm = figures;
    }
    return { ...cold, ...idle, ...edits, churn, storm };
  } finally {
    fleet.closeAll();
    await plane.stop();
  }
}

/**
 * Lets trailing pushes and the collections after the connect burst settle (V8 runs a full one
 * about half a minute later), then watches the connected plane do nothing.
 */
async function idleWindow(plane: ControlPlane, idleSeconds: number): Promise<Pick<SideRunResult, 'settleCpuSeconds' | 'idleRssMiB' | 'idleCpuSecondsPerMinute'>> {
  const settleCpuBefore = planeCpuSeconds(plane);
  await sleep(IDLE_SETTLE_MS);
  const settleCpuSeconds = planeCpuSeconds(plane) - settleCpuBefore;
  const idleCpuBefore = planeCpuSeconds(plane);
  await sleep(idleSeconds * 1000);
  const idleCpuSecondsPerMinute = ((planeCpuSeconds(plane) - idleCpuBefore) / idleSeconds) * 60;
  return { settleCpuSeconds, idleRssMiB: planeRssMiB(plane), idleCpuSecondsPerMinute };
}

async function editLatencies(cluster: Cluster, plane: ControlPlane, fleet: ProxyFleet, params: SideRunParams, weights: CanaryWeights)
  : Promise<Pick<SideRunResult, 'editP50Ms' | 'editP99Ms' | 'kubectlApplyMs'>> {
  const routeAcks = () => fleet.proxies.map((proxy) => proxy.counters.get(TYPE_URLS.route)!.acks);
  const latencies: number[] = [];
  const kubectlMs: number[] = [];
  for (let edit = 0; edit < params.edits; edit += 1) {
    const service = edit % params.scale.services;
    const before = routeAcks();
    const written = performance.now();
    await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=vs-istiod-bench', '-f', '-'],
      JSON.stringify(virtualService(service, params.scale, weights.next(service))));
    kubectlMs.push(performance.now() - written);
    await fleet.waitFor(`${plane.side}: edit ${edit} ACKed by every proxy`, () => routeAcks().every((acks, index) => acks > before[index]), params.timeoutMs, 1);
    latencies.push(Math.max(...fleet.proxies.map((proxy) => proxy.counters.get(TYPE_URLS.route)!.lastAckAt!)) - written);
    // Past the debounce window, so the next edit is never folded into this push.
    await sleep(plane.debounceMs + 200);
  }
  return { editP50Ms: percentileOf(latencies, 50), editP99Ms: percentileOf(latencies, 99), kubectlApplyMs: percentileOf(kubectlMs, 50) };
}

/** The listeners one simulated proxy of `pod` holds once synced. */
export async function simulatedListenerCount(plane: ControlPlane, pod: BenchPod, token: string, timeoutMs: number): Promise<number> {
  const fleet = ProxyFleet.ofMembers([{ node: sidecarNode(pod), callMetadata: { authorization: `Bearer ${token}` } }], { target: plane.xdsTarget, flavour: 'delta' });
  try {
    fleet.connectAll();
    await fleet.waitAllSynced(timeoutMs);
    return fleet.proxies[0].counters.get(TYPE_URLS.listener)!.resources;
  } finally {
    fleet.closeAll();
  }
}
