/**
 * Bounds the bytes of ADS responses handed to gRPC but not yet flushed, across every stream. When
 * hundreds of proxies connect at once (cold start, reconnect storm), writing every full config
 * immediately would serialize all of them into write buffers together and hold them until the
 * slowest reader catches up. Over the budget, writes wait in arrival order (which keeps each
 * stream's own order) as functions that build their response only when they run, so a waiting
 * write holds no response and sends the latest config.
 *
 * gRPC reports a write as done once flushed; a stream that stops reading would then hold its share
 * forever, so a write stops counting after `stallMs` and the queue moves on.
 */

/**
 * Builds and writes one response, calls `flushed` once gRPC has flushed it (never, if the stream
 * dies) and returns the bytes written; 0 when there was nothing to send (then `flushed` is not called).
 */
export type BudgetedWrite = (flushed: () => void) => number;

export interface WriteBudgetOptions {
  /** @default 16 MiB */
  readonly maxBytesInFlight?: number;
  /** @default 2000 */
  readonly stallMs?: number;
}

interface PendingWrite {
  readonly sender: BudgetedSender;
  readonly write: BudgetedWrite;
}

export class WriteBudget {
  readonly maxBytesInFlight: number;
  private readonly stallMs: number;
  private inFlight = 0;
  private waiting: PendingWrite[] = [];
  private head = 0;

  constructor(options: WriteBudgetOptions = {}) {
    this.maxBytesInFlight = options.maxBytesInFlight ?? 16 * 2 ** 20;
    this.stallMs = options.stallMs ?? 2000;
  }

  /** A sender for one stream; close it when the stream ends to give back what it holds. */
  sender(): BudgetedSender {
    return new BudgetedSender(this);
  }

  /** Bytes written and not yet flushed (stalled writes excluded). */
  get bytesInFlight(): number {
    return this.inFlight;
  }

  /** Responses waiting for budget. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** @internal */
  enqueue(pending: PendingWrite): void {
    this.waiting.push(pending);
    this.drain();
  }

  /** @internal Forgets the waiting writes of a closed sender. */
  dropWaiting(sender: BudgetedSender): void {
    this.waiting = this.waiting.slice(this.head).filter((pending) => pending.sender !== sender);
    this.head = 0;
    this.drain();
  }

  /** @internal */
  acquire(bytes: number): void {
    this.inFlight += bytes;
  }

  /** @internal */
  release(bytes: number): void {
    this.inFlight -= bytes;
    this.drain();
  }

  private drain(): void {
    // Sizes are known only once a response is built, so the budget admits while under the bound.
    while (this.head < this.waiting.length && this.inFlight < this.maxBytesInFlight) {
      const next = this.waiting[this.head];
      this.head += 1;
      next.sender.start(next.write, this.stallMs);
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }
}

/** One stream's side of the budget: its writes in flight, so closing the stream returns them. */
export class BudgetedSender {
  private readonly inFlight = new Set<{ release(): void }>();
  private closed = false;

  constructor(private readonly budget: WriteBudget) {}

  /** Runs `write` once the budget allows, after this stream's earlier writes. */
  send(write: BudgetedWrite): void {
    if (this.closed) return;
    this.budget.enqueue({ sender: this, write });
  }

  /** Drops this stream's waiting writes and gives back the budget its unflushed writes hold. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of [...this.inFlight]) entry.release();
    this.budget.dropWaiting(this);
  }

  /** @internal Called by the budget when the write may go. */
  start(write: BudgetedWrite, stallMs: number): void {
    if (this.closed) return;
    let bytes = 0;
    let flushedEarly = false;
    let released = false;
    let stallTimer: NodeJS.Timeout | undefined;
    const entry = {
      release: () => {
        if (released) return;
        released = true;
        clearTimeout(stallTimer);
        this.inFlight.delete(entry);
        this.budget.release(bytes);
      },
    };
    bytes = write(() => {
      if (bytes === 0) flushedEarly = true;
      else entry.release();
    });
    if (bytes === 0 || flushedEarly) return;
    this.budget.acquire(bytes);
    this.inFlight.add(entry);
    stallTimer = setTimeout(entry.release, stallMs);
    stallTimer.unref();
  }
}
