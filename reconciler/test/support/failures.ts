/** Remembers whether any test of the file failed, so its Envoy logs can be kept for inspection. */
export function trackFailures(): { readonly failed: boolean } {
  const state = { failed: false };
  afterEach(() => {
    const current = expect.getState() as { assertionCalls: number; numPassingAsserts: number; currentTestName?: string };
    if (current.assertionCalls !== current.numPassingAsserts) state.failed = true;
  });
  return state;
}
