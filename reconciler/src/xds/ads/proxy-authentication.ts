/**
 * Who may open an xDS stream. Every stream carries the proxy's own private key (SDS `default`),
 * so the caller is established before the first request is read: in Kubernetes mode from the
 * projected service-account token in `authorization: Bearer …`, in directory mode by the peer
 * being on this host. The reconciler then checks the node's claimed identity against the caller.
 */
import * as grpc from '@grpc/grpc-js';
import { NODE_METADATA } from '../../model';
import type { ProxyIdentity } from '../../push/contract';

/** The verified caller of one stream. */
export type AuthenticatedCaller =
  /** A peer trusted by its network position; the node's claimed identity is taken as is. */
  | { readonly kind: 'trusted-peer'; readonly peer: string }
  /** A Kubernetes service account proven by a reviewed token. */
  | { readonly kind: 'service-account'; readonly namespace: string; readonly serviceAccount: string };

/** What an authenticator sees of a new stream. */
export interface StreamCredentials {
  readonly metadata: grpc.Metadata;
  /** grpc-js peer string, e.g. `ipv4:127.0.0.1:53124` or `ipv6:[::1]:53124`. */
  readonly peer: string;
}

export interface ProxyAuthenticator {
  /** Resolves with the caller, or rejects with an `AdsAccessError` saying why the stream is refused. */
  authenticate(credentials: StreamCredentials): Promise<AuthenticatedCaller>;
}

/** A refused stream, closed with `code` and the message as gRPC status details. */
export class AdsAccessError extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
    this.name = 'AdsAccessError';
  }
}

/** The token of an `authorization: Bearer <token>` metadata entry, or undefined when absent. */
export function bearerToken(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1] : undefined;
}

/** The host part of a grpc-js peer string. */
export function peerHost(peer: string): string {
  const withoutScheme = peer.replace(/^(ipv4|ipv6|unix):/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(withoutScheme);
  if (bracketed) return bracketed[1];
  const lastColon = withoutScheme.lastIndexOf(':');
  return lastColon > 0 && withoutScheme.indexOf(':') === lastColon ? withoutScheme.slice(0, lastColon) : withoutScheme;
}

export function isLoopbackHost(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || /^::ffff:127\./i.test(host) || host === 'localhost';
}

/** Directory mode: proxies on this host are trusted; anything else is refused. */
export const LOOPBACK_AUTHENTICATOR: ProxyAuthenticator = {
  async authenticate({ peer }) {
    if (isLoopbackHost(peerHost(peer))) return { kind: 'trusted-peer', peer };
    throw new AdsAccessError(grpc.status.PERMISSION_DENIED,
      `xDS peer ${peer} is not on this host; directory mode serves only loopback proxies (use --source=kubernetes for token authentication, or --trust-remote-proxies on a private network)`);
  },
};

/** Trusts every peer (an explicit operator choice for private networks and tests). */
export const TRUST_ALL_AUTHENTICATOR: ProxyAuthenticator = {
  async authenticate({ peer }) {
    return { kind: 'trusted-peer', peer };
  },
};

/**
 * A service account may only connect as itself: its ADS stream receives that identity's private
 * key, and its stats stream speaks for that workload's traffic.
 */
export function assertCallerMayClaim(caller: AuthenticatedCaller | undefined, identity: ProxyIdentity): void {
  if (caller?.kind !== 'service-account') return;
  if (caller.namespace !== identity.namespace || caller.serviceAccount !== identity.serviceAccount) {
    throw new AdsAccessError(grpc.status.PERMISSION_DENIED,
      `node '${identity.id}' claims service account ${identity.namespace}/${identity.serviceAccount} but its token belongs to ${caller.namespace}/${caller.serviceAccount}; `
      + `set node metadata ${NODE_METADATA.namespace} and ${NODE_METADATA.serviceAccount} to the pod's own namespace and service account`);
  }
}
