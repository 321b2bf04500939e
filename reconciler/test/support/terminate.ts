import type { ChildProcess } from 'child_process';

/** Stops a child process: SIGTERM, then SIGKILL once `graceMs` has passed; resolves once it has exited. */
export async function terminate(child: ChildProcess, graceMs = 3000): Promise<void> {
  // Node sets these before it emits 'exit': a child that is gone already has no exit left to wait for.
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Whether a process with this pid still exists (signal 0 checks without delivering anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
