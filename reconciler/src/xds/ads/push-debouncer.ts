/**
 * Collapses a burst of change notifications into one push carrying every reason. A push waits for
 * `quietMs` without new requests, but never longer than `maxDelayMs` after the first, so a steady
 * trickle of changes cannot starve proxies of updates.
 */
export type PushHandler = (reasons: readonly string[]) => void;

export interface PushDebouncerOptions {
  /** @default 20 */
  readonly quietMs?: number;
  /** @default 1000, or 10 × quietMs when that is larger */
  readonly maxDelayMs?: number;
}

export class PushDebouncer {
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private reasons: string[] = [];
  private firstRequestAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly push: PushHandler, options: PushDebouncerOptions = {}) {
    this.quietMs = options.quietMs ?? 20;
    this.maxDelayMs = options.maxDelayMs ?? Math.max(1000, this.quietMs * 10);
  }

  request(reason: string): void {
    const now = Date.now();
    if (this.reasons.length === 0) this.firstRequestAt = now;
    if (!this.reasons.includes(reason)) this.reasons.push(reason);
    if (this.timer) clearTimeout(this.timer);
    const untilCap = this.firstRequestAt + this.maxDelayMs - now;
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(this.quietMs, untilCap)));
  }

  /** Pushes now whatever is pending (used on shutdown and by tests). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.reasons.length === 0) return;
    const reasons = this.reasons;
    this.reasons = [];
    this.push(reasons);
  }

  /** Drops pending requests without pushing. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.reasons = [];
  }
}
