/**
 * The window's traffic index, shared by the observatory's requests for up to one stats flush
 * interval. Proxies report every 5 s, so no answer is fresher than that; a page polling every 3 s,
 * or several pages, then cost one merge of every series per interval instead of one per request.
 * Each window has its own index; one is never used for another traffic source, nor for a read
 * time before it was made.
 */
import { DEFAULT_STATS_FLUSH_INTERVAL_MS } from '../model';
import type { TrafficSource } from './observatory-inputs';
import { TrafficIndex, trafficIndex } from './traffic-index';

/** Windows kept at once: the API takes any window, a few are in use. */
const MAX_WINDOWS = 8;

interface Shared {
  readonly source: TrafficSource;
  readonly madeAt: number;
  readonly index: TrafficIndex;
}

export class SharedTrafficIndex {
  private readonly byWindow = new Map<number, Shared>();

  constructor(private readonly maxAgeMs: number = DEFAULT_STATS_FLUSH_INTERVAL_MS) {}

  /** The index of `windowMs` at `now`: the shared one while younger than `maxAgeMs`, else made afresh. */
  get(source: TrafficSource, windowMs: number, now: number): TrafficIndex {
    const shared = this.byWindow.get(windowMs);
    if (shared && shared.source === source && now >= shared.madeAt && now - shared.madeAt < this.maxAgeMs) return shared.index;
    const index = trafficIndex(source, windowMs, now);
    this.byWindow.delete(windowMs);
    this.byWindow.set(windowMs, { source, madeAt: now, index });
    if (this.byWindow.size > MAX_WINDOWS) this.byWindow.delete(this.byWindow.keys().next().value!);
    return index;
  }
}
