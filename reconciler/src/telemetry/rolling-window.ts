/**
 * A ring of time slots, each holding one array of additive fields, for the recent history of one
 * series. Every report of the series touches the slot of its arrival time and notes when the
 * traffic it carries began (the series' previous report), so a window knows the exact span its
 * counts cover and a rate is `count / span`, not `count / window` with an unreported tail.
 * A slot's field array is allocated on its first non-zero value: idle series cost a few numbers.
 */

export class RollingWindow {
  private readonly slotNumbers: Float64Array;
  private readonly coverStarts: Float64Array;
  private readonly data: (Float64Array | undefined)[];

  constructor(readonly slotMs: number, readonly slotCount: number, readonly fieldCount: number) {
    this.slotNumbers = new Float64Array(slotCount).fill(-1);
    this.coverStarts = new Float64Array(slotCount);
    this.data = new Array(slotCount).fill(undefined);
  }

  /** The longest window this ring can answer: every slot but the one being filled. */
  get spanMs(): number {
    return this.slotMs * (this.slotCount - 1);
  }

  /**
   * Registers a report arriving at `now` that covers traffic since `coveredFrom`, and returns the
   * fields to add it to (allocated when `allocate`; an all-zero report needs none).
   */
  record(now: number, coveredFrom: number, allocate: boolean): Float64Array | undefined {
    const slotNumber = Math.floor(now / this.slotMs);
    const index = slotNumber % this.slotCount;
    if (this.slotNumbers[index] !== slotNumber) {
      this.slotNumbers[index] = slotNumber;
      this.coverStarts[index] = coveredFrom;
      this.data[index]?.fill(0);
    } else {
      this.coverStarts[index] = Math.min(this.coverStarts[index], coveredFrom);
    }
    if (allocate && !this.data[index]) this.data[index] = new Float64Array(this.fieldCount);
    return this.data[index];
  }

  /**
   * Where the traffic of the last `windowMs` (the slot being filled and the whole slots before it)
   * begins; `windowMs` must not exceed `spanMs`.
   */
  coveredFrom(now: number, windowMs: number): number | undefined {
    const [first, last] = this.slotRange(now, windowMs);
    let coveredFrom: number | undefined;
    for (let index = 0; index < this.slotCount; index += 1) {
      const slotNumber = this.slotNumbers[index];
      if (slotNumber < first || slotNumber > last) continue;
      coveredFrom = coveredFrom === undefined ? this.coverStarts[index] : Math.min(coveredFrom, this.coverStarts[index]);
    }
    return coveredFrom;
  }

  /** Adds the fields of the last `windowMs`, each multiplied by `scale`, into `into`. */
  addInto(now: number, windowMs: number, into: Float64Array, scale = 1): void {
    const [first, last] = this.slotRange(now, windowMs);
    for (let index = 0; index < this.slotCount; index += 1) {
      const slotNumber = this.slotNumbers[index];
      const fields = this.data[index];
      if (!fields || slotNumber < first || slotNumber > last) continue;
      for (let field = 0; field < this.fieldCount; field += 1) into[field] += fields[field] * scale;
    }
  }

  private slotRange(now: number, windowMs: number): [number, number] {
    if (windowMs > this.spanMs) throw new Error(`window of ${windowMs} ms exceeds the ${this.spanMs} ms this ring holds`);
    return [Math.floor((now - windowMs) / this.slotMs) + 1, Math.floor(now / this.slotMs)];
  }

  /** True when no slot of the ring is younger than `spanMs` at `now`: everything has aged out. */
  isIdle(now: number): boolean {
    const oldestKept = Math.floor((now - this.spanMs) / this.slotMs) + 1;
    for (let index = 0; index < this.slotCount; index += 1) {
      if (this.slotNumbers[index] >= oldestKept && this.data[index]) return false;
    }
    return true;
  }

  /** Frees the field arrays of slots that have aged out, keeping memory to the active series. */
  compact(now: number): void {
    const oldestKept = Math.floor((now - this.spanMs) / this.slotMs) + 1;
    for (let index = 0; index < this.slotCount; index += 1) {
      if (this.slotNumbers[index] < oldestKept) this.data[index] = undefined;
    }
  }
}
