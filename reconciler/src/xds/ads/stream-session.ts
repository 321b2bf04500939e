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
import type { BudgetedSender, WriteBudget } from './write-budget';

export interface StreamDependencies {
  readonly snapshots: SnapshotWatchSource;
  readonly proxies: ProxyConnectionHandler;
  readonly status: SyncStatusRegistry;
  readonly observer: AdsObserver;
  readonly log: Logger;
  /** Shared by every stream of the server: bounds the response bytes waiting to be flushed. */
  readonly writeBudget: WriteBudget;
  /** Who opened this stream, when the server authenticates callers. */
  readonly caller?: AuthenticatedCaller;
}

/** A published snapshot and when it was published, to measure convergence on ACK. */
export interface CurrentSnapshot {
  readonly snapshot: XdsSnapshot;
  readonly publishedAt: number;
  readonly reasons: readonly PushReason[];
}

export interface BuiltResponse<Response> {
  readonly response: Response;
  /** The encoded resources' bytes, the bulk of the response. */
  readonly resourceBytes: number;
}

/** Type URL, version, nonce and framing, counted so an empty response still weighs something. */
const RESPONSE_ENVELOPE_BYTES = 256;

export class StreamSession {
  proxyId: string | undefined;
  current: CurrentSnapshot | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;
  private nonceCounter = 0;
  private readonly sender: BudgetedSender;

  constructor(readonly deps: StreamDependencies, private readonly onSnapshot: () => void) {
    this.sender = deps.writeBudget.sender();
  }

  /**
   * Queues a response within the server's write budget. `build` runs once the budget admits it,
   * after this stream's earlier responses, so it answers from the state and snapshot of that
   * moment; it returns undefined when there is nothing to send by then.
   */
  schedule<Response>(call: { write(response: Response, flushed: () => void): boolean }, build: () => BuiltResponse<Response> | undefined): void {
    this.sender.send((flushed) => {
      if (this.closed) return 0;
      const built = build();
      if (!built) return 0;
      call.write(built.response, flushed);
      return built.resourceBytes + RESPONSE_ENVELOPE_BYTES;
    });
  }

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

  /**
   * The snapshot's own copy of a requested resource name when it has one. Thousands of proxies
   * subscribe to the same thousands of names; each request carries its own copies of the strings.
   */
  internName(typeUrl: string, name: string): string {
    return this.current?.snapshot.resources(typeUrl).get(name)?.name ?? name;
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
    this.sender.close();
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
