/** What the side-by-side figures need of a control plane under test, whichever it is. */
import * as http from 'http';
import type { ManagedProcess } from '../../../test/kubernetes/cluster/managed-process';
import { cpuSeconds, peakRssMiB, rssMiB } from '../proc-stats';

/** The sides of the comparison: ours, and istiod at its defaults and tuned for this machine. */
export type Side = 'reconciler' | 'istiod-default' | 'istiod-tuned';
export const SIDES: readonly Side[] = ['reconciler', 'istiod-default', 'istiod-tuned'];

export interface ControlPlane {
  readonly side: Side;
  /** `host:port` of the plaintext xDS port the simulated proxies dial. */
  readonly xdsTarget: string;
  readonly process: ManagedProcess;
  /** The debounce it waits after a config change before pushing. */
  readonly debounceMs: number;
  stop(): Promise<void>;
}

export function pidOf(plane: ControlPlane): number {
  if (!plane.process.running) throw new Error(`${plane.side} is not running (${JSON.stringify(plane.process.status)}); its log ends:\n${plane.process.tail()}`);
  return plane.process.pid!;
}

export const planeCpuSeconds = (plane: ControlPlane) => cpuSeconds(pidOf(plane));
export const planePeakRssMiB = (plane: ControlPlane) => peakRssMiB(pidOf(plane));
export const planeRssMiB = (plane: ControlPlane) => rssMiB(pidOf(plane));

/** Resolves once GET `url` answers 200; fails if `process` exits first or after `timeoutMs`. */
export async function waitForHttpOk(url: string, process: ManagedProcess, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!process.running) throw new Error(`${what} exited (${JSON.stringify(process.status)}) before ${url} answered; its log ends:\n${process.tail(40)}`);
    if (await httpStatus(url) === 200) return;
    if (Date.now() > deadline) throw new Error(`${what}: ${url} did not answer 200 within ${timeoutMs} ms; its log ends:\n${process.tail(40)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}
