/**
 * Every cluster keeps its state and logs in a directory of its own (etcd data, certificates, one
 * log per component, one directory per pod), kept after the run for debugging. Older runs are
 * pruned so the directory does not grow without bound.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** `$CDK8S_MESH_KUBERNETES_RUNS`, or a directory under the system temp directory. */
export const RUNS_DIR = process.env.CDK8S_MESH_KUBERNETES_RUNS ?? path.join(os.tmpdir(), 'cdk8s-mesh-kubernetes');

/** How many earlier runs are kept. */
const KEPT_RUNS = 8;
/** Runs touched this recently may still be running (the suite runs two jest processes at once): never pruned. */
const RECENT_RUN_MS = 60 * 60_000;

export function createRunDirectory(label: string, runsDir: string = RUNS_DIR): string {
  fs.mkdirSync(runsDir, { recursive: true });
  pruneOldRuns(runsDir);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const dir = path.join(runsDir, `${stamp}-${label.replace(/[^A-Za-z0-9-]/g, '-')}-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function pruneOldRuns(runsDir: string): void {
  const runs = fs.readdirSync(runsDir).sort();
  const recentSince = Date.now() - RECENT_RUN_MS;
  for (const run of runs.slice(0, Math.max(0, runs.length - KEPT_RUNS))) {
    const dir = path.join(runsDir, run);
    if ((fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) > recentSince) continue;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
