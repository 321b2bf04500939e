/**
 * The reconciler as it runs in a cluster: its CLI in Kubernetes mode (`--source=kubernetes`),
 * watching the benchmark's API server, the CA in a Secret of mesh-system, every proxy stream
 * admitted by a TokenReview and served a workload certificate. Ports differ from istiod's so a
 * leftover of one never answers for the other.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ISTIO_CRDS_FILE } from '../../../test/kubernetes/cluster/istio-crds';
import { ManagedProcess } from '../../../test/kubernetes/cluster/managed-process';
import { ControlPlane, waitForHttpOk } from './control-plane';

export const RECONCILER_BENCH_PORTS = { xds: 25010, xdsTls: 25012, ops: 25014, webhook: 25017 } as const;
export const RECONCILER_DEBOUNCE_MS = 20;

/** The CLI compiled next to this file (bench/.build/reconciler/src/cli.js), or the package build (from the bench build or from the sources). */
function cliScript(): string {
  const candidates = [
    path.resolve(__dirname, '../../src/cli.js'),
    path.resolve(__dirname, '../../../../build/reconciler/src/cli.js'),
    path.resolve(__dirname, '../../build/reconciler/src/cli.js'),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) throw new Error(`the reconciler CLI is not built (looked at ${candidates.join(', ')}); run \`bash bench/run.sh vs-istiod\`, which compiles it`);
  return found;
}

export interface ReconcilerKubeOptions {
  readonly kubeconfigFile: string;
  readonly runDir: string;
  /** Mesh settings given with `--mesh-config` (keys of MeshSettings); the defaults otherwise. */
  readonly meshConfig?: Readonly<Record<string, string>>;
}

export async function startKubeReconciler(options: ReconcilerKubeOptions): Promise<ControlPlane> {
  const dir = path.join(options.runDir, 'reconciler');
  fs.mkdirSync(dir, { recursive: true });
  // BENCH_CHILD_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the reconciler alone;
  // BENCH_RECONCILER_LOG_LEVEL=info logs every push in reconciler.log.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const meshConfigFile = path.join(dir, 'mesh.json');
  if (options.meshConfig) fs.writeFileSync(meshConfigFile, JSON.stringify(options.meshConfig));
  const managed = ManagedProcess.start({
    command: process.execPath,
    args: [
      ...nodeArgs, cliScript(), '--source=kubernetes', '--namespace=mesh-system', `--kubeconfig=${options.kubeconfigFile}`,
      `--xds-port=${RECONCILER_BENCH_PORTS.xds}`, `--xds-tls-port=${RECONCILER_BENCH_PORTS.xdsTls}`,
      `--ops-port=${RECONCILER_BENCH_PORTS.ops}`, `--webhook-port=${RECONCILER_BENCH_PORTS.webhook}`,
      ...(options.meshConfig ? [`--mesh-config=${meshConfigFile}`] : []),
      '--host=127.0.0.1', `--crds=${ISTIO_CRDS_FILE}`, `--debounce-ms=${RECONCILER_DEBOUNCE_MS}`, `--log-level=${process.env.BENCH_RECONCILER_LOG_LEVEL ?? 'warn'}`,
    ],
    env: { ...process.env, POD_NAME: 'mesh-reconciler-bench', POD_NAMESPACE: 'mesh-system' },
    cwd: dir,
    logFile: path.join(dir, 'reconciler.log'),
  });
  const plane: ControlPlane = {
    side: 'reconciler',
    xdsTarget: `127.0.0.1:${RECONCILER_BENCH_PORTS.xds}`,
    process: managed,
    debounceMs: RECONCILER_DEBOUNCE_MS,
    stop: async () => { await managed.stop(10_000); },
  };
  try {
    await waitForHttpOk(`http://127.0.0.1:${RECONCILER_BENCH_PORTS.ops}/readyz`, managed, 'the reconciler', 120_000);
  } catch (error) {
    await plane.stop();
    throw error;
  }
  return plane;
}
