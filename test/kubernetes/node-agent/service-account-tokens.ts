/**
 * Projected service-account tokens, obtained like the kubelet does: a TokenRequest for the pod's
 * service account with the volume's audience and lifetime, bound to the pod, and requested again
 * once 80 % of its lifetime has passed (or after 24 hours).
 */
import type { Pod } from './pod-types';
import type { KubeApi } from '../cluster/kube-api';

/** What the projection asks for. */
export interface TokenProjection {
  /** Empty: the API server's own audiences. */
  readonly audience?: string;
  /** @default 3600 */
  readonly expirationSeconds?: number;
}

interface IssuedToken {
  readonly token: string;
  readonly refreshAt: number;
}

const DAY_MS = 24 * 3600 * 1000;

export class ServiceAccountTokens {
  private readonly issued = new Map<string, IssuedToken>();

  constructor(private readonly api: KubeApi, private readonly now: () => number = Date.now) {}

  /** The pod's current token for `projection`, requesting a new one when it is due. */
  async token(pod: Pod, projection: TokenProjection): Promise<string> {
    const expirationSeconds = projection.expirationSeconds ?? 3600;
    const key = `${pod.metadata.uid}|${projection.audience ?? ''}|${expirationSeconds}`;
    const current = this.issued.get(key);
    if (current && this.now() < current.refreshAt) return current.token;

    const namespace = pod.metadata.namespace!;
    const serviceAccount = pod.spec.serviceAccountName ?? 'default';
    const issuedAt = this.now();
    const response = await this.api.create<{ status: { token: string; expirationTimestamp: string } }>(
      `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: projection.audience ? [projection.audience] : [],
          expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
        },
      });
    // The API server may extend a token's life (kube-api-access tokens); refresh on the requested one.
    const lifetimeMs = Math.min(expirationSeconds * 1000, Date.parse(response.status.expirationTimestamp) - issuedAt);
    const refreshAt = issuedAt + Math.min(0.8 * lifetimeMs, DAY_MS);
    this.issued.set(key, { token: response.status.token, refreshAt });
    return response.status.token;
  }

  /** Forgets the tokens of a pod that is gone. */
  forget(podUid: string): void {
    for (const key of [...this.issued.keys()]) {
      if (key.startsWith(`${podUid}|`)) this.issued.delete(key);
    }
  }
}
