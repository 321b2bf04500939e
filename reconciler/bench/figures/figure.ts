/** What one run of one figure reports: named measurements with units, plus the scale it ran at. */
import * as fs from 'fs';
import * as path from 'path';
import { MeshScale, v1Workload, BenchWorkload } from '../mesh-config';

export interface Measurement {
  readonly value: number;
  readonly unit: string;
}

export interface FigureRun {
  readonly figure: string;
  readonly params: Record<string, number | string>;
  readonly measurements: Record<string, Measurement>;
  /** Facts a reader needs to judge the numbers (windows, sources, counts). */
  readonly notes?: Record<string, number | string>;
}

/** `count` distinct sidecar identities spread over the services (more proxies than services reuse them). */
export function proxyWorkloads(count: number, scale: MeshScale): BenchWorkload[] {
  return Array.from({ length: count }, (_, index) => {
    const workload = v1Workload(index % scale.services, scale);
    const copy = Math.floor(index / scale.services);
    return copy === 0 ? workload : { ...workload, name: `${workload.name}-${copy}` };
  });
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function tempChild(dir: string, name: string): string {
  return path.join(dir, name);
}
