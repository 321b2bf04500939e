/**
 * How reconciler replicas recognise each other on the ops port's internal endpoints: the caller
 * sends its pod's service-account token as a bearer token, and the callee asks the API server
 * (TokenReview) whose it is; only the reconciler's own service account is admitted. No secret to
 * distribute or rotate: the kubelet keeps the token fresh, and the ServiceAccount is the identity
 * the reconciler's RBAC already trusts. Accepted tokens are remembered briefly, so peers polling
 * every second cost the API server one review per token per minute.
 */
import { createHash } from 'crypto';
import type { TokenReviewer } from './token-review-authenticator';

export type PeerAccess = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403 | 503; readonly error: string };

/** How long an accepted token stays accepted without another review. */
const ACCEPTED_FOR_MS = 60_000;

export class ServiceAccountPeerAuthenticator {
  private readonly accepted = new Map<string, number>();

  /** `expectedUser`: `system:serviceaccount:<namespace>:<name>`, the account every replica runs as. */
  constructor(private readonly review: TokenReviewer, private readonly expectedUser: string, private readonly clock: () => number = Date.now) {}

  async authorize(authorization: string | undefined): Promise<PeerAccess> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, status: 401, error: `send 'Authorization: Bearer <service-account token>' of ${this.expectedUser}: only reconciler replicas read each other's totals` };
    const digest = createHash('sha256').update(token).digest('hex');
    const now = this.clock();
    for (const [key, until] of this.accepted) if (until <= now) this.accepted.delete(key);
    if (this.accepted.has(digest)) return { ok: true };
    let status;
    try {
      status = await this.review(token, []);
    } catch (error) {
      return { ok: false, status: 503, error: `the TokenReview of the caller's token failed (${(error as Error).message}); retry` };
    }
    if (!status.authenticated) return { ok: false, status: 401, error: `the token was not accepted (${status.error ?? 'not authenticated'})` };
    const user = status.user?.username ?? '';
    if (user !== this.expectedUser) return { ok: false, status: 403, error: `the token belongs to "${user}"; only ${this.expectedUser} (the reconciler's replicas) may read these totals` };
    this.accepted.set(digest, now + ACCEPTED_FOR_MS);
    return { ok: true };
  }
}

/**
 * The service account a token names (`system:serviceaccount:<namespace>:<name>`, the JWT's `sub`),
 * read without verifying: used on this pod's own token to learn which account its peers share.
 */
export function serviceAccountUserOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof payload.sub === 'string' && payload.sub.startsWith('system:serviceaccount:') ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}
