/**
 * How long starting a process (Envoy, the reconciler) or converging on a config may take before a
 * test gives up. Both take well under a second on an idle machine; a deadline only bounds a
 * broken run, so it is set for a loaded one.
 */
export const STARTUP_DEADLINE_MS = 60_000;

/** Polls `condition` until it holds; fails after `timeoutMs` with `what` in the message. */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
