/**
 * `admission.k8s.io/v1` AdmissionReview for the validating webhook: the request's object in, the
 * reconciler's verdict out. Pure, so the decision is tested without TLS or an API server.
 */

/** What the webhook decides about one object. */
export interface AdmissionVerdict {
  readonly allowed: boolean;
  /** Why it is refused (shown by kubectl and Argo CD), or empty. */
  readonly reasons: readonly string[];
  /** Admitted but worth knowing, e.g. other objects this change makes invalid. */
  readonly warnings: readonly string[];
}

/** Decides about one object the API server is about to store. */
export type AdmissionCheck = (object: Record<string, unknown>) => AdmissionVerdict;

interface AdmissionRequest {
  readonly uid: string;
  readonly operation?: string;
  readonly object?: unknown;
}

/** Kubernetes limits each admission warning to 256 characters and shows at most a few. */
const MAX_WARNING = 256;
const MAX_WARNINGS = 10;

/** The AdmissionReview response for `review`, or an error for a body that is not one. */
export function reviewAdmission(review: unknown, check: AdmissionCheck): Record<string, unknown> {
  const request = requestOf(review);
  const base = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' };
  const object = request.object;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
    return { ...base, response: { uid: request.uid, allowed: true } };
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    return { ...base, response: { uid: request.uid, allowed: false, status: { code: 400, message: 'the admission request carries no object' } } };
  }
  const verdict = check(object as Record<string, unknown>);
  const warnings = verdict.warnings.slice(0, MAX_WARNINGS).map((warning) => cut(warning, MAX_WARNING));
  return {
    ...base,
    response: {
      uid: request.uid,
      allowed: verdict.allowed,
      ...(verdict.allowed ? {} : { status: { code: 422, reason: 'Invalid', message: verdict.reasons.join('; ') } }),
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}

function requestOf(review: unknown): AdmissionRequest {
  const request = (review as { request?: AdmissionRequest } | undefined)?.request;
  if ((review as { kind?: unknown })?.kind !== 'AdmissionReview' || typeof request?.uid !== 'string') {
    throw new Error('the body is not an admission.k8s.io/v1 AdmissionReview with a request uid');
  }
  return request;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
