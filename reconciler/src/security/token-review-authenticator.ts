/**
 * Kubernetes mode proxy authentication: the sidecar sends its projected service-account token as
 * `authorization: Bearer <token>`, and the API server's TokenReview says whose it is. Only tokens
 * minted for `audience` are accepted, so a token meant for another service cannot be replayed here.
 */
import * as grpc from '@grpc/grpc-js';
import { AdsAccessError, AuthenticatedCaller, ProxyAuthenticator, StreamCredentials, bearerToken } from '../xds/ads/proxy-authentication';
import { XDS_CREDENTIALS } from '../model';

/** The outcome of one TokenReview (the `status` of `authentication.k8s.io/v1` TokenReview). */
export interface TokenReviewStatus {
  readonly authenticated?: boolean;
  readonly user?: { readonly username?: string };
  readonly audiences?: readonly string[];
  readonly error?: string;
}

/** Creates a TokenReview for the token and audiences and returns its status. */
export type TokenReviewer = (token: string, audiences: readonly string[]) => Promise<TokenReviewStatus>;

/** The audience injected sidecars request for their projected token (Istio's, `istio-ca`). */
export const DEFAULT_TOKEN_AUDIENCE = XDS_CREDENTIALS.tokenAudience;

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

export class TokenReviewAuthenticator implements ProxyAuthenticator {
  constructor(private readonly review: TokenReviewer, private readonly audience: string = DEFAULT_TOKEN_AUDIENCE) {}

  async authenticate({ metadata, peer }: StreamCredentials): Promise<AuthenticatedCaller> {
    const token = bearerToken(metadata);
    if (!token) {
      throw new AdsAccessError(grpc.status.UNAUTHENTICATED,
        `xDS peer ${peer} sent no 'authorization: Bearer <token>' metadata; mount a projected service-account token with audience "${this.audience}" and send it with the xDS stream`);
    }
    let status: TokenReviewStatus;
    try {
      status = await this.review(token, [this.audience]);
    } catch (error) {
      throw new AdsAccessError(grpc.status.UNAVAILABLE, `xDS peer ${peer}: the TokenReview call failed (${(error as Error).message}); the proxy will retry`);
    }
    if (!status.authenticated) {
      throw new AdsAccessError(grpc.status.UNAUTHENTICATED, `xDS peer ${peer}: the token was not accepted (${status.error ?? 'not authenticated'})`);
    }
    if (status.audiences && !status.audiences.includes(this.audience)) {
      throw new AdsAccessError(grpc.status.UNAUTHENTICATED, `xDS peer ${peer}: the token is not for audience "${this.audience}" (it is for ${status.audiences.join(', ') || 'none'})`);
    }
    const match = SERVICE_ACCOUNT_USER.exec(status.user?.username ?? '');
    if (!match) {
      throw new AdsAccessError(grpc.status.PERMISSION_DENIED,
        `xDS peer ${peer}: the token belongs to "${status.user?.username ?? ''}", not a service account; proxies must use their pod's service-account token`);
    }
    return { kind: 'service-account', namespace: match[1], serviceAccount: match[2] };
  }
}
