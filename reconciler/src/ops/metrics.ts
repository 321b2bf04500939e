/**
 * Prometheus text exposition (format 0.0.4) for counters, gauges and histograms, written by hand:
 * the reconciler needs a handful of metrics, not a client library.
 */

type Labels = Readonly<Record<string, string>>;

/** A label value as the text format writes it: backslash, quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

abstract class Metric {
  constructor(readonly name: string, readonly help: string, readonly kind: 'counter' | 'gauge' | 'histogram') {}
  abstract samples(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.kind}`, ...this.samples()].join('\n');
  }
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }
  /** For a count kept elsewhere (it must only grow), e.g. a watch's failures. */
  setTotal(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), { labels, value });
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }
  samples(): string[] {
    return [...this.values.values()].map((entry) => `${this.name}${labelText(entry.labels)} ${entry.value}`);
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  /** @param labelled a gauge only ever set with labels shows no sample until it is set */
  constructor(name: string, help: string, private readonly labelled = false) {
    super(name, help, 'gauge');
  }
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), { labels, value });
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }
  samples(): string[] {
    if (this.values.size === 0) return this.labelled ? [] : [`${this.name} 0`];
    return [...this.values.values()].map((entry) => `${this.name}${labelText(entry.labels)} ${entry.value}`);
  }
}

export class Histogram extends Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  /** @param buckets upper bounds in seconds, ascending */
  constructor(name: string, help: string, private readonly buckets: readonly number[]) {
    super(name, help, 'histogram');
    this.counts = buckets.map(() => 0);
  }
  observe(seconds: number): void {
    this.sum += seconds;
    this.count += 1;
    this.buckets.forEach((bound, i) => {
      if (seconds <= bound) this.counts[i] += 1;
    });
  }
  get observations(): number {
    return this.count;
  }
  samples(): string[] {
    return [
      ...this.buckets.map((bound, i) => `${this.name}_bucket${labelText({}, ['le', String(bound)])} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

/** Renders a set of metrics as one exposition document. */
export function renderMetrics(metrics: readonly Metric[]): string {
  return `${metrics.map((metric) => metric.render()).join('\n')}\n`;
}
