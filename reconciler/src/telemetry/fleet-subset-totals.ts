/**
 * The canary totals of the whole control plane: this replica's own (SubsetTotals) and those of
 * every peer replica, read from their ops ports every `pollMs` and kept for the rollout
 * controller's synchronous readings. Each sidecar reports its stats to the replica it happens to
 * stream to, so the rollout leader judges a canary on the sum (see fleet-reading.ts for how
 * restarts, late and vanished replicas are handled).
 */
import type { FleetReading, ReplicaReading } from './fleet-reading';
import type { PeerTotals } from './peer-totals';
import type { SubsetTotals } from './subset-totals';

/** Another replica, as the directory (the reconciler's ready pods) lists it. */
export interface PeerReplica {
  readonly name: string;
  /** Base URL of its ops port, e.g. `http://10.1.2.3:15014`. */
  readonly opsUrl: string;
}

export interface FleetSubsetTotalsOptions {
  readonly local: SubsetTotals;
  /** This replica's name (its pod name) and process incarnation. */
  readonly self: string;
  readonly incarnation: string;
  /** The other replicas now (this one excluded). */
  readonly peers: () => readonly PeerReplica[];
  /** Reads one peer's totals; rejects when it cannot (unreachable, refused, malformed). */
  readonly fetchPeer: (peer: PeerReplica) => Promise<PeerTotals>;
  /** @default 1000 */
  readonly pollMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

type PeerState = { readonly totals: PeerTotals; readonly at: number } | { readonly error: string; readonly at: number };

/** A peer answer older than this many polls counts as unreachable. */
const STALE_AFTER_POLLS = 3;

export class FleetSubsetTotals {
  private readonly peerStates = new Map<string, PeerState>();
  private readonly clock: () => number;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(private readonly options: FleetSubsetTotalsOptions) {
    this.clock = options.clock ?? Date.now;
    this.pollMs = options.pollMs ?? 1000;
  }

  track(keys: Iterable<string>): void {
    this.options.local.track(keys);
  }

  /** Every replica's totals of `key` as last read; undefined when this replica does not track it. */
  read(key: string): FleetReading | undefined {
    const fields = this.options.local.read(key);
    if (!fields) return undefined;
    const now = this.clock();
    const replicas = new Map<string, ReplicaReading>([[this.options.self, { incarnation: this.options.incarnation, since: this.options.local.since(key)!, fields }]]);
    const unreachable = new Map<string, string>();
    for (const peer of this.options.peers()) {
      const state = this.peerStates.get(peer.name);
      if (!state) {
        unreachable.set(peer.name, 'not read yet');
      } else if ('error' in state) {
        unreachable.set(peer.name, state.error);
      } else if (now - state.at > STALE_AFTER_POLLS * this.pollMs) {
        unreachable.set(peer.name, `no answer for ${Math.round((now - state.at) / 1000)} s`);
      } else {
        const entry = state.totals.totals[key];
        // Not tracked there yet (its config lags): nothing counted there so far.
        if (entry) replicas.set(peer.name, { incarnation: state.totals.incarnation, since: entry.since, fields: Float64Array.from(entry.fields) });
      }
    }
    return { takenAt: now, replicas, unreachable };
  }

  /** Reads every peer once; the timer calls it, tests may too. */
  async poll(): Promise<void> {
    const peers = this.options.peers();
    const listed = new Set(peers.map((peer) => peer.name));
    for (const name of this.peerStates.keys()) if (!listed.has(name)) this.peerStates.delete(name);
    if (this.options.local.keys.length === 0) return;
    await Promise.all(peers.map(async (peer) => {
      try {
        const totals = await this.options.fetchPeer(peer);
        this.peerStates.set(peer.name, { totals, at: this.clock() });
      } catch (error) {
        this.peerStates.set(peer.name, { error: (error as Error).message, at: this.clock() });
      }
    }));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      // One poll at a time: a slow peer must not pile requests up.
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }
}

/** A control plane of one replica (directory mode, tests): its own totals only. */
export function standaloneTotals(local: SubsetTotals, clock?: () => number): FleetSubsetTotals {
  return new FleetSubsetTotals({
    local, self: 'local', incarnation: 'local', peers: () => [], clock,
    fetchPeer: () => Promise.reject(new Error('a standalone reconciler has no peers')),
  });
}
