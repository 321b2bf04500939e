/**
 * Whether this replica is the one that executes rollouts. Directory mode has no leadership (its
 * one process always executes); Kubernetes mode elects one replica with a Lease.
 */
export interface Leadership {
  /** True while this replica holds the leadership. */
  readonly isLeader: boolean;
  /** The identity of the current holder as last seen, if any (for messages to operators). */
  readonly holder: string | undefined;
  /** `listener(true)` when this replica becomes leader, `listener(false)` the moment it stops being one. */
  onChange(listener: (leading: boolean) => void): void;
}
