/**
 * A ring of time slots, each holding the same additive fields, for the recent history of one
 * series (or, without fields, of one proxy's reports). Every report touches the slot of its
 * arrival time and notes when the traffic it carries began (the previous report), so a window
 * knows the exact span its counts cover and a rate is `count / span`, not `count / window` with
 * an unreported tail.
 *
 * The fields of all slots live in one array, allocated on the first non-zero value (idle series
 * cost a few numbers), of 32-bit floats: exact for counts up to 16 million per slot, 7 digits for
 * byte sums, half the memory of thousands of series; windows add them up in 64 bits.
 */

export class RollingWindow {
  private readonly slotNumbers: Float64Array;
  private readonly coverStarts: Float64Array;
  /** `slotCount × fieldCount` fields, slot by slot; allocated with the first traffic. */
  fields: Float32Array | undefined;
  /** Whether a slot holds non-zero fields for its current slot number. */
  private readonly used: Uint8Array;

  constructor(readonly slotMs: number, readonly slotCount: number, readonly fieldCount: number) {
    this.slotNumbers = new Float64Array(slotCount).fill(-1);
    this.coverStarts = new Float64Array(slotCount);
    this.used = new Uint8Array(slotCount);
  }

  /** The longest window this ring can answer: every slot but the one being filled. */
  get spanMs(): number {
    return this.slotMs * (this.slotCount - 1);
  }

  /**
   * Registers a report arriving at `now` that covers traffic since `coveredFrom`. With `allocate`
   * (the report carries traffic) returns the offset in `fields` of the slot's fields to add it
   * to; an all-zero report needs none (-1).
   */
  record(now: number, coveredFrom: number, allocate: boolean): number {
    const slotNumber = Math.floor(now / this.slotMs);
    const index = slotNumber % this.slotCount;
    const offset = index * this.fieldCount;
    if (this.slotNumbers[index] !== slotNumber) {
      this.slotNumbers[index] = slotNumber;
      this.coverStarts[index] = coveredFrom;
      if (this.used[index]) this.fields!.fill(0, offset, offset + this.fieldCount);
      this.used[index] = 0;
    } else {
      this.coverStarts[index] = Math.min(this.coverStarts[index], coveredFrom);
    }
    if (!allocate) return -1;
    this.fields ??= new Float32Array(this.slotCount * this.fieldCount);
    this.used[index] = 1;
    return offset;
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

  /** Adds the fields of the last `windowMs`, each multiplied by `scale`, into `into` from `at` on. */
  addInto(now: number, windowMs: number, into: Float64Array, scale = 1, at = 0): void {
    const fields = this.fields;
    if (!fields) return;
    const [first, last] = this.slotRange(now, windowMs);
    for (let index = 0; index < this.slotCount; index += 1) {
      const slotNumber = this.slotNumbers[index];
      if (!this.used[index] || slotNumber < first || slotNumber > last) continue;
      const offset = index * this.fieldCount;
      for (let field = 0; field < this.fieldCount; field += 1) into[at + field] += fields[offset + field] * scale;
    }
  }

  /** True when no slot younger than `spanMs` at `now` holds traffic: everything has aged out. */
  isIdle(now: number): boolean {
    const oldestKept = Math.floor((now - this.spanMs) / this.slotMs) + 1;
    for (let index = 0; index < this.slotCount; index += 1) {
      if (this.used[index] && this.slotNumbers[index] >= oldestKept) return false;
    }
    return true;
  }

  /** Frees the fields once every slot has aged out, keeping memory to the active series. */
  compact(now: number): void {
    if (this.fields && this.isIdle(now)) {
      this.fields = undefined;
      this.used.fill(0);
    }
  }

  private slotRange(now: number, windowMs: number): [number, number] {
    if (windowMs > this.spanMs) throw new Error(`window of ${windowMs} ms exceeds the ${this.spanMs} ms this ring holds`);
    return [Math.floor((now - windowMs) / this.slotMs) + 1, Math.floor(now / this.slotMs)];
  }
}
