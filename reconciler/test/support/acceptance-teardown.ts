/**
 * The end of an acceptance test file: Envoy stopped (its log kept and its tail printed when a
 * test of the file failed), then the reconciler, the backends and the config directory.
 */
import * as fs from 'fs';
import type { TestBackend } from './backends';
import type { EnvoySidecar } from './envoy';
import type { FailureTracker } from './failures';
import type { RunningReconciler } from './reconciler-harness';

export interface AcceptanceRig {
  readonly failures: FailureTracker;
  readonly envoy?: EnvoySidecar;
  readonly reconciler?: RunningReconciler;
  readonly backends: readonly TestBackend[];
  readonly configDir?: string;
}

export async function stopAcceptanceRig({ failures, envoy, reconciler, backends, configDir }: AcceptanceRig): Promise<void> {
  if (failures.failed && envoy) process.stderr.write(`Envoy log kept at ${envoy.logFile}\n${envoy.logTail()}\n`);
  await envoy?.stop(failures.failed);
  await reconciler?.stop();
  await Promise.all(backends.map((backend) => backend.close()));
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
}
