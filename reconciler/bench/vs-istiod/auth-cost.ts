/**
 * The work the reconciler does per proxy that istiod's plaintext port does not: a TokenReview of
 * the stream's bearer token and a workload certificate issued before its first snapshot. Measured
 * apart, in the harness, with the same code and API server: each TokenReview is timed one at a
 * time (its wall time is what a connecting proxy waits), and the certificates are issued by the
 * reconciler's own CA and cache (their CPU time is what the reconciler spends).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Cluster } from '../../../test/kubernetes/cluster/cluster';
import { loadOrCreateRootCa } from '../../src/security/ca-store';
import { DirectoryCaStore } from '../../src/security/directory-ca-store';
import { WorkloadCertificateCache } from '../../src/security/workload-cert-cache';
import { TOKEN_AUDIENCE } from './bench-cluster';
import type { BenchPod } from './mesh-objects';
import { percentileOf } from './summary';

export interface AuthCost {
  readonly tokenReviewP50Ms: number;
  readonly tokenReviewP99Ms: number;
  /** CPU milliseconds of one workload certificate (key pair and signature). */
  readonly certificateCpuMs: number;
  /** The sum over all proxies: review wall time if done one by one, and certificate CPU time. */
  readonly tokenReviewsTotalSeconds: number;
  readonly certificatesTotalCpuSeconds: number;
}

export async function measureAuthCost(cluster: Cluster, pods: readonly BenchPod[], tokens: ReadonlyMap<string, string>): Promise<AuthCost> {
  const reviewMs: number[] = [];
  for (const pod of pods) {
    const started = performance.now();
    const review = await cluster.api.create<{ status: { authenticated?: boolean } }>('/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: tokens.get(pod.name), audiences: [TOKEN_AUDIENCE] },
    });
    reviewMs.push(performance.now() - started);
    if (!review.status.authenticated) throw new Error(`the TokenReview of ${pod.namespace}/${pod.serviceAccount}'s token did not authenticate it`);
  }
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-istiod-ca-'));
  try {
    const ca = await loadOrCreateRootCa(new DirectoryCaStore(caDir), 'cluster.local');
    const certificates = new WorkloadCertificateCache(ca);
    const cpuBefore = process.cpuUsage();
    for (const pod of pods) await certificates.get({ namespace: pod.namespace, serviceAccount: pod.serviceAccount });
    const cpu = process.cpuUsage(cpuBefore);
    const certificatesTotalCpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      tokenReviewP50Ms: percentileOf(reviewMs, 50),
      tokenReviewP99Ms: percentileOf(reviewMs, 99),
      certificateCpuMs: (certificatesTotalCpuSeconds * 1000) / pods.length,
      tokenReviewsTotalSeconds: reviewMs.reduce((sum, ms) => sum + ms, 0) / 1000,
      certificatesTotalCpuSeconds,
    };
  } finally {
    fs.rmSync(caDir, { recursive: true, force: true });
  }
}
