/**
 * The canary totals of every reconciler replica at one moment, and what a window since a baseline
 * holds. Each replica counts the stats of the sidecars streaming to it, cumulatively since its
 * process began tracking the subset, so a window sums each replica's own difference:
 *  - a replica with another incarnation than before restarted: what the former one counted in the
 *    window up to its last reading is kept, and the new one's counters (begun after the window's
 *    start) count from 0 — never negative, never twice;
 *  - a replica absent at the start that began tracking after it counts whole; one that tracked
 *    before (it was unreachable, or not read yet) gets its first reading as its start, so traffic
 *    before that moment is never counted into the window;
 *  - a replica that leaves the directory keeps what it counted up to its last reading (its callers
 *    reconnect to another replica, which counts them from then on);
 *  - a replica in the directory that could not be read makes the window incomplete.
 * What a replica counted between its last reading and a restart or departure is lost: a window can
 * only come out short (waiting longer for traffic), never doubled.
 */
import { addDelta, SubsetReading, SubsetWindow, windowOf } from './subset-totals';
import { FIELD, FIELD_COUNT } from './traffic-fields';

/** One replica's totals of one subset. */
export interface ReplicaReading {
  /** Changes whenever the replica's process restarts (its counters start again from 0). */
  readonly incarnation: string;
  /** When the replica began counting the subset (epoch ms). */
  readonly since: number;
  readonly fields: SubsetReading;
}

export interface FleetReading {
  /** Epoch ms. */
  readonly takenAt: number;
  /** By replica name (the pod name), this replica included. */
  readonly replicas: ReadonlyMap<string, ReplicaReading>;
  /** Replicas in the directory whose totals could not be read, each with why. */
  readonly unreachable: ReadonlyMap<string, string>;
}

/** Where a window began for each replica, and what it counted in it up to its last reading. */
export interface FleetBaseline {
  /** When the window began (epoch ms). */
  readonly takenAt: number;
  /** Each replica's reading at the window's start (zeros for one that began counting within it). */
  readonly starts: ReadonlyMap<string, ReplicaReading>;
  /** Each replica's last reading within the window. */
  readonly latest: ReadonlyMap<string, ReplicaReading>;
  /** What replicas counted in the window before they restarted or left the directory. */
  readonly carried: Float64Array;
}

export interface FleetWindow {
  readonly window: SubsetWindow;
  /** Why the window misses traffic it should hold (an unreachable replica); undefined when complete. */
  readonly incomplete?: string;
  /** Requests each replica read now counted in the window (restarted or departed ones' former counts aside). */
  readonly requestsByReplica: ReadonlyMap<string, number>;
  /** The baseline to judge the next reading against. */
  readonly baseline: FleetBaseline;
}

/** A window beginning at `reading`. */
export function baselineOf(reading: FleetReading): FleetBaseline {
  return { takenAt: reading.takenAt, starts: reading.replicas, latest: reading.replicas, carried: new Float64Array(FIELD_COUNT) };
}

/** What every replica counted between the window's start and `later`. */
export function fleetWindow(baseline: FleetBaseline, later: FleetReading): FleetWindow {
  const carried = Float64Array.from(baseline.carried);
  const starts = new Map(baseline.starts);
  const latest = new Map(baseline.latest);
  const zeroFrom = (reading: ReplicaReading): ReplicaReading => ({ ...reading, fields: new Float64Array(FIELD_COUNT) });
  // Left the directory: what it counted up to its last reading stays in the window.
  for (const [name, start] of baseline.starts) {
    if (later.replicas.has(name) || later.unreachable.has(name)) continue;
    addDelta(carried, start.fields, latest.get(name)!.fields);
    starts.delete(name);
    latest.delete(name);
  }
  for (const [name, reading] of later.replicas) {
    const start = starts.get(name);
    if (start && start.incarnation !== reading.incarnation) {
      // Restarted: its former incarnation's count is kept, the new one counts from 0.
      addDelta(carried, start.fields, latest.get(name)!.fields);
      starts.set(name, zeroFrom(reading));
    } else if (!start) {
      // Began counting within the window: all of it is the window's; else from this first reading on.
      starts.set(name, reading.since >= baseline.takenAt ? zeroFrom(reading) : reading);
    }
    latest.set(name, reading);
  }
  const delta = Float64Array.from(carried);
  const requestsByReplica = new Map<string, number>();
  for (const [name, start] of starts) {
    const before = delta[FIELD.requests];
    addDelta(delta, start.fields, latest.get(name)!.fields);
    if (later.replicas.has(name)) requestsByReplica.set(name, delta[FIELD.requests] - before);
  }
  const unreachable = [...later.unreachable].map(([name, why]) => `replica ${name} could not be read (${why})`);
  return {
    window: windowOf(delta),
    incomplete: unreachable.length > 0 ? unreachable.join('; ') : undefined,
    requestsByReplica,
    baseline: { takenAt: baseline.takenAt, starts, latest, carried },
  };
}
