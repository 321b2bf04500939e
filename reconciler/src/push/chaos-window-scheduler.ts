/**
 * Wakes the push loop when a chaos window opens or closes, so a time-boxed fault starts and stops
 * on time without any config edit. Only the next boundary is armed: each push recomputes it.
 */

/** Node timers overflow beyond 2^31-1 ms (~24.8 days); a farther boundary is reached in hops. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/** Timers run on a monotonic clock and may fire a hair before the wall clock reaches the boundary. */
const WALL_CLOCK_MARGIN_MS = 5;

export class ChaosWindowScheduler {
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;

  /**
   * @param onBoundary called once the wall clock has passed the armed boundary (typically: request a push)
   * @param clock the wall clock in epoch ms
   */
  constructor(private readonly onBoundary: () => void, private readonly clock: () => number = Date.now) {}

  /** Arms the timer for `boundary` (epoch ms), replacing any earlier one; undefined disarms. */
  schedule(boundary: number | undefined): void {
    if (boundary === this.armedFor && this.timer) {
      return;
    }
    this.cancel();
    if (boundary === undefined) {
      return;
    }
    this.armedFor = boundary;
    const delay = Math.min(Math.max(0, boundary - this.clock()) + WALL_CLOCK_MARGIN_MS, MAX_TIMER_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedFor = undefined;
      this.onBoundary();
    }, delay);
    // A pending window must not keep a stopping process alive.
    this.timer.unref();
  }

  /** The boundary the timer is armed for, if any. */
  get nextBoundary(): number | undefined {
    return this.armedFor;
  }

  cancel(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = undefined;
    this.armedFor = undefined;
  }
}
