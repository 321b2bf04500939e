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

export interface AdsObserver {
  responseSent?(proxyId: string, typeUrl: string, resourceCount: number): void;
  /** `convergenceMs`: from the snapshot's publication to this ACK. */
  acked?(proxyId: string, typeUrl: string, version: string, convergenceMs: number | undefined): void;
  nacked?(proxyId: string, typeUrl: string, message: string): void;
  streamOpened?(proxyId: string): void;
  streamClosed?(proxyId: string): void;
}
