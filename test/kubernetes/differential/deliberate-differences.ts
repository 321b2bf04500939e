/**
 * Where the reconciler answers differently from istiod on purpose, confirmed against istiod by the
 * differential suite. The README lists the same differences with the reasons; the suite fails if
 * one of them is no longer observed, so the list cannot go stale.
 */
export interface DeliberateDifference {
  readonly caseId: string;
  readonly className: string;
  readonly reason: string;
}

export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [
  {
    caseId: 'default-routing',
    className: 'an unknown host',
    reason: 'A sidecar that captures nothing (interception NONE) has no original destination to pass an unknown host to. istiod still '
      + 'adds its ALLOW_ANY catch-all, which forwards to the listener\'s own address and answers 503; the reconciler adds no catch-all, '
      + 'so Envoy answers 404 (no route). With traffic capture (REDIRECT) both pass unknown hosts through.',
  },
];

export function isDeliberate(caseId: string, className: string): DeliberateDifference | undefined {
  return DELIBERATE_DIFFERENCES.find((difference) => difference.caseId === caseId && difference.className === className);
}
