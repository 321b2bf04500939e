/**
 * The canary totals of every reconciler replica at one moment, and what a window between two such
 * readings holds. Each replica counts the stats of the sidecars streaming to it, cumulatively since
 * its process began tracking the subset, so a window sums each replica's own difference:
 *  - a replica with another incarnation than at the window's start restarted (its counters began
 *    again after the start): all it counted belongs to the window;
 *  - a replica absent at the start that began tracking after it counts whole; one that tracked
 *    before (it was unreachable, or this replica had not read it yet) gets its first reading as its
 *    baseline, so traffic before that moment is never counted into the window;
 *  - a replica that leaves the directory takes its counts with it (its callers reconnect to another
 *    replica, which counts them from then on): the window can only be short, never doubled;
 *  - a replica in the directory that could not be read makes the window incomplete.
 */
import { addDelta, SubsetReading, SubsetWindow, windowOf } from './subset-totals';
import { FIELD_COUNT } from './traffic-fields';

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

export interface FleetWindow {
  readonly window: SubsetWindow;
  /** Why the window misses traffic it should hold (an unreachable replica); undefined when complete. */
  readonly incomplete?: string;
  /** `earlier` with a baseline for each replica first seen in `later`: the start of the next judgement. */
  readonly baseline: FleetReading;
}

/** What every replica counted between `earlier` (the window's start) and `later`. */
export function fleetWindow(earlier: FleetReading, later: FleetReading): FleetWindow {
  const delta = new Float64Array(FIELD_COUNT);
  const baseline = new Map(earlier.replicas);
  for (const [name, reading] of later.replicas) {
    const start = earlier.replicas.get(name);
    if (start && start.incarnation === reading.incarnation) {
      addDelta(delta, start.fields, reading.fields);
    } else if (start || reading.since >= earlier.takenAt) {
      // Restarted, or began counting within the window: everything it counted is the window's.
      addDelta(delta, undefined, reading.fields);
      baseline.set(name, { ...reading, fields: new Float64Array(FIELD_COUNT) });
    } else {
      // Counted since before the window, first read now: from here on only.
      baseline.set(name, reading);
    }
  }
  const unreachable = [...later.unreachable].map(([name, why]) => `replica ${name} could not be read (${why})`);
  return {
    window: windowOf(delta),
    incomplete: unreachable.length > 0 ? unreachable.join('; ') : undefined,
    baseline: { takenAt: earlier.takenAt, replicas: baseline, unreachable: new Map() },
  };
}
