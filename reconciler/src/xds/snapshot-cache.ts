/**
 * Holds the current snapshot of each proxy and tells watchers when it changes. It knows nothing of
 * gRPC: the ADS server sees it only through `SnapshotWatchSource`.
 */
import { findSnapshotInconsistencies } from './snapshot-consistency';
import type { XdsSnapshot } from './snapshot';

/** Why a push happens, e.g. `config:file-changed` or `proxy:connected`. */
export type PushReason = string;

export type SnapshotListener = (snapshot: XdsSnapshot, reasons: readonly PushReason[]) => void;

/** The narrow interface the ADS server depends on. */
export interface SnapshotWatchSource {
  getSnapshot(proxyId: string): XdsSnapshot | undefined;
  /** Calls `listener` on every later published snapshot for the proxy; returns the unsubscribe. */
  watch(proxyId: string, listener: SnapshotListener): () => void;
}

export type PublishResult =
  | { readonly published: true }
  | { readonly published: false; readonly problems: readonly string[] };

export class SnapshotCache implements SnapshotWatchSource {
  private readonly snapshots = new Map<string, XdsSnapshot>();
  private readonly listeners = new Map<string, Set<SnapshotListener>>();

  getSnapshot(proxyId: string): XdsSnapshot | undefined {
    return this.snapshots.get(proxyId);
  }

  /** Publishes a consistent snapshot; an inconsistent one is refused and the previous stays current. */
  setSnapshot(proxyId: string, snapshot: XdsSnapshot, reasons: readonly PushReason[]): PublishResult {
    const problems = findSnapshotInconsistencies(snapshot);
    if (problems.length > 0) return { published: false, problems };
    this.snapshots.set(proxyId, snapshot);
    for (const listener of [...(this.listeners.get(proxyId) ?? [])]) listener(snapshot, reasons);
    return { published: true };
  }

  watch(proxyId: string, listener: SnapshotListener): () => void {
    const set = this.listeners.get(proxyId) ?? new Set<SnapshotListener>();
    set.add(listener);
    this.listeners.set(proxyId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(proxyId);
    };
  }

  /** Forgets a proxy that has disconnected. */
  clear(proxyId: string): void {
    this.snapshots.delete(proxyId);
  }

  get proxyIds(): string[] {
    return [...this.snapshots.keys()];
  }
}
