/**
 * The real Kubernetes binaries (built and cached by `scripts/test-binaries/ensure.sh`) and Envoy.
 * The suite runs in a network namespace without internet access, so the `test:kubernetes` task
 * builds them before it enters the namespace; here they are only looked up.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findEnvoy } from '../../../reconciler/test/support/envoy';

/** The checkout, found upwards from here: a compiled copy (the benchmarks' `.build`) sits deeper than the source. */
export const REPO_ROOT = repositoryRoot();

function repositoryRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'scripts/test-binaries/ensure.sh'))) return dir;
  }
  throw new Error(`scripts/test-binaries/ensure.sh not found above ${__dirname}; run from the repository`);
}
const ENSURE_SCRIPT = path.join(REPO_ROOT, 'scripts/test-binaries/ensure.sh');

export interface TestBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubectl: string;
  readonly envoy: string;
  /** The version the Kubernetes binaries were built at (the node reports it as its kubelet version). */
  readonly kubernetesVersion: string;
}

let cached: TestBinaries | undefined;

export function testBinaries(): TestBinaries {
  if (cached) return cached;
  const binary = ensureTestBinaries(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl']);
  cached = {
    etcd: binary('etcd'),
    kubeApiserver: binary('kube-apiserver'),
    kubeControllerManager: binary('kube-controller-manager'),
    kubectl: binary('kubectl'),
    envoy: findEnvoy(),
    kubernetesVersion: /-(v\d+\.\d+\.\d+)$/.exec(binary('kube-apiserver'))?.[1] ?? 'unknown',
  };
  return cached;
}

/** Looks up (or builds, outside the network namespace) binaries by their `ensure.sh` name; returns a path lookup. */
export function ensureTestBinaries(names: readonly string[]): (name: string) => string {
  let output: string;
  try {
    output = execFileSync(ENSURE_SCRIPT, names, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().slice(-2000);
    throw new Error(`${ENSURE_SCRIPT} ${names.join(' ')} failed: ${stderr}\nBuild the binaries first with \`npx projen test:kubernetes\` (it builds them outside the test network namespace).`);
  }
  const paths = new Map(output.trim().split('\n').map((line) => line.split('=') as [string, string]));
  return (name: string) => {
    const found = paths.get(name);
    if (!found) throw new Error(`${ENSURE_SCRIPT} printed no path for ${name}: ${output}`);
    return found;
  };
}
