import type { EncodedResource } from '../codec';
import type { AuthenticatedCaller } from './proxy-authentication';

/**
 * The events the ADS server reports to whoever counts them (metrics, logs), and the hooks through
 * which it asks the rest of the reconciler to start or stop generating config for a proxy.
 */

/** Lets the server stay ignorant of identities and generation. */
export interface ProxyConnectionHandler {
  /**
   * A stream opened with this node (proto3 JSON) by `caller` (undefined when the server
   * authenticates nobody). Returns the proxy id the snapshot cache uses. Throws when the node is
   * unusable or not the caller's; the stream is then closed with the error's `code` (an
   * AdsAccessError) or INVALID_ARGUMENT, and the message.
   */
  proxyConnected(node: Record<string, unknown>, caller?: AuthenticatedCaller): string;
  /** The proxy's last stream closed. */
  proxyDisconnected(proxyId: string): void;
}

/** A response a proxy refused: what it held on to, what it was sent, and Envoy's reason. */
export interface RejectedResponse {
  /** The version the proxy still runs (its last ACKed one, empty if none). */
  readonly keptVersion: string;
  readonly rejectedVersion?: string;
  /** Envoy's `error_detail` (a google.rpc.Status). */
  readonly errorDetail: { readonly code?: number; readonly message: string };
  /** The resources of the refused response: every subscribed one (state of the world) or the changed ones (delta). */
  readonly resources: readonly EncodedResource[];
  /** Those of `resources` whose content differs from what the proxy last accepted: the likely culprits. */
  readonly changed: readonly EncodedResource[];
}

export interface AdsObserver {
  responseSent?(proxyId: string, typeUrl: string, resourceCount: number): void;
  /** `convergenceMs`: from the snapshot's publication to this ACK. */
  acked?(proxyId: string, typeUrl: string, version: string, convergenceMs: number | undefined): void;
  nacked?(proxyId: string, typeUrl: string, rejected: RejectedResponse): void;
  streamOpened?(proxyId: string): void;
  streamClosed?(proxyId: string): void;
}

/** One observer that forwards every event to each of `observers`, in order. */
export function combineObservers(...observers: readonly AdsObserver[]): AdsObserver {
  return {
    responseSent: (...args) => observers.forEach((observer) => observer.responseSent?.(...args)),
    acked: (...args) => observers.forEach((observer) => observer.acked?.(...args)),
    nacked: (...args) => observers.forEach((observer) => observer.nacked?.(...args)),
    streamOpened: (...args) => observers.forEach((observer) => observer.streamOpened?.(...args)),
    streamClosed: (...args) => observers.forEach((observer) => observer.streamClosed?.(...args)),
  };
}
