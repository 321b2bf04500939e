/**
 * What both ADS flavours share: learning the proxy from the first request's node, watching its
 * snapshot, and tearing down exactly once when the stream ends.
 */
import type { Logger } from '../../log';
import type { PushReason, SnapshotWatchSource } from '../snapshot-cache';
import type { XdsSnapshot } from '../snapshot';
import type { AdsObserver, ProxyConnectionHandler } from './ads-observer';
import type { AuthenticatedCaller } from './proxy-authentication';
import type { SyncStatusRegistry } from './sync-status';

export interface StreamDependencies {
  readonly snapshots: SnapshotWatchSource;
  readonly proxies: ProxyConnectionHandler;
  readonly status: SyncStatusRegistry;
  readonly observer: AdsObserver;
  readonly log: Logger;
  /** Who opened this stream, when the server authenticates callers. */
  readonly caller?: AuthenticatedCaller;
}

/** A published snapshot and when it was published, to measure convergence on ACK. */
export interface CurrentSnapshot {
  readonly snapshot: XdsSnapshot;
  readonly publishedAt: number;
  readonly reasons: readonly PushReason[];
}

export class StreamSession {
  proxyId: string | undefined;
  current: CurrentSnapshot | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;
  private nonceCounter = 0;

  constructor(readonly deps: StreamDependencies, private readonly onSnapshot: () => void) {}

  /** Binds the stream to a proxy on its first request; later calls return the bound id. */
  bind(node: Record<string, unknown> | undefined): string {
    if (this.proxyId !== undefined) return this.proxyId;
    if (!node || typeof node.id !== 'string' || node.id === '') {
      throw new Error('the first xDS request on a stream must carry node.id (the bootstrap sets it)');
    }
    const proxyId = this.deps.proxies.proxyConnected(node, this.deps.caller);
    this.proxyId = proxyId;
    this.deps.observer.streamOpened?.(proxyId);
    const snapshot = this.deps.snapshots.getSnapshot(proxyId);
    if (snapshot) this.current = { snapshot, publishedAt: Date.now(), reasons: ['proxy:connected'] };
    this.unwatch = this.deps.snapshots.watch(proxyId, (next, reasons) => {
      this.current = { snapshot: next, publishedAt: Date.now(), reasons };
      this.onSnapshot();
    });
    return proxyId;
  }

  nextNonce(): string {
    this.nonceCounter += 1;
    return String(this.nonceCounter);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    if (this.proxyId !== undefined) {
      this.deps.observer.streamClosed?.(this.proxyId);
      this.deps.proxies.proxyDisconnected(this.proxyId);
    }
  }
}

/** Types whose subscription with no names means "everything" (LDS and CDS). */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl.endsWith('.Listener') || typeUrl.endsWith('.Cluster');
}
