/**
 * Remembers whether any test of the file failed (or its setup did), so its Envoy logs can be kept
 * for inspection. Wrap setup in `failures.guard(...)`; assertion failures are noticed per test.
 */
export interface FailureTracker {
  readonly failed: boolean;
  /** Runs setup, marking the file failed if it throws. */
  guard<T>(setup: () => Promise<T>): Promise<T>;
}

export function trackFailures(): FailureTracker {
  let failed = false;
  afterEach(() => {
    const current = expect.getState() as { assertionCalls: number; numPassingAsserts: number };
    if (current.assertionCalls !== current.numPassingAsserts) failed = true;
  });
  return {
    get failed() {
      return failed;
    },
    async guard<T>(setup: () => Promise<T>): Promise<T> {
      try {
        return await setup();
      } catch (error) {
        failed = true;
        throw error;
      }
    },
  };
}
