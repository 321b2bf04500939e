/**
 * When one proxy reported. Every report covers all of the proxy's clusters at once (a cluster
 * missing from a flush had no traffic), so the span a window covers is the proxy's, shared by
 * all its series: a series that starts mid-window counts as zero before its first request rather
 * than as a fresh edge with a short, inflated span.
 */
import { RollingWindow } from './rolling-window';

/** The longest window a query may ask for. */
export const MAX_WINDOW_MS = 15 * 60_000;
const FINE_SLOT_MS = 10_000;
/** Windows up to this long are read from the fine ring (10 s slots), longer ones from 1 min slots. */
export const FINE_WINDOW_MS = 60_000;
const COARSE_SLOT_MS = 60_000;

/** The two rings every series keeps, with `fieldCount` fields per slot (0: coverage only). */
export function windowRings(fieldCount: number): { fine: RollingWindow; coarse: RollingWindow } {
  return {
    fine: new RollingWindow(FINE_SLOT_MS, FINE_WINDOW_MS / FINE_SLOT_MS + 1, fieldCount),
    coarse: new RollingWindow(COARSE_SLOT_MS, MAX_WINDOW_MS / COARSE_SLOT_MS + 1, fieldCount),
  };
}

export class ProxyCoverage {
  private readonly rings = windowRings(0);
  lastReportAt: number;
  /** False once the proxy's last stats stream ended; its counts stay until they age out. */
  connected = true;

  constructor(now: number) {
    this.lastReportAt = now;
  }

  /** A report arriving at `now` whose counts began at `coveredFrom`. */
  record(now: number, coveredFrom: number): void {
    this.rings.fine.record(now, coveredFrom, false);
    this.rings.coarse.record(now, coveredFrom, false);
    this.lastReportAt = now;
    this.connected = true;
  }

  disconnected(now: number): void {
    this.connected = false;
    this.lastReportAt = Math.max(this.lastReportAt, now);
  }

  /**
   * The seconds the last `windowMs` of reports cover, or undefined when none fell inside. A
   * connected proxy's counts end at its last report; a departed proxy's at `now`, since it adds
   * nothing more.
   */
  seconds(now: number, windowMs: number): number | undefined {
    const ring = windowMs <= FINE_WINDOW_MS ? this.rings.fine : this.rings.coarse;
    const coveredFrom = ring.coveredFrom(now, Math.min(windowMs, ring.spanMs));
    if (coveredFrom === undefined) return undefined;
    const end = this.connected ? this.lastReportAt : now;
    return Math.max(end - Math.max(coveredFrom, now - windowMs - ring.slotMs), 1) / 1000;
  }

  isIdle(now: number): boolean {
    return this.connected ? false : now - this.lastReportAt > MAX_WINDOW_MS;
  }
}
