/** A value per pair of objects, built on first use and held as long as both objects are alive. */
export class PairCache<First extends object, Second extends object, Value> {
  private readonly byFirst = new WeakMap<First, WeakMap<Second, Value>>();

  get(first: First, second: Second, build: () => Value): Value {
    let bySecond = this.byFirst.get(first);
    if (!bySecond) {
      bySecond = new WeakMap();
      this.byFirst.set(first, bySecond);
    }
    let value = bySecond.get(second);
    if (value === undefined) {
      value = build();
      bySecond.set(second, value);
    }
    return value;
  }

  /** The value already built for the pair, if any. */
  peek(first: First, second: Second): Value | undefined {
    return this.byFirst.get(first)?.get(second);
  }
}
