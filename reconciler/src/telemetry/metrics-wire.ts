/**
 * The wire form of `envoy.service.metrics.v3.StreamMetricsMessage`: an identifier (the proxy's
 * `Node`, on the first message of a stream only) and Prometheus client-model `MetricFamily`
 * messages. The families are read by hand rather than through protobufjs: a sidecar sends a few
 * hundred every flush, most of which the telemetry ignores, and looking at the name's bytes first
 * lets those be skipped without decoding them. The `Node` goes through the xDS codec like on ADS streams.
 *
 * Field numbers: `StreamMetricsMessage` {identifier = 1, envoy_metrics = 2}, `Identifier` {node = 1}
 * (envoy/service/metrics/v3/metrics_service.proto); `MetricFamily` {name = 1, type = 3, metric = 4},
 * `Metric` {label = 1, gauge = 2, counter = 3, histogram = 7}, `Gauge`/`Counter` {value = 1},
 * `Histogram` {sample_count = 1, sample_sum = 2, bucket = 3, sample_count_float = 9}, `Bucket`
 * {cumulative_count = 1, upper_bound = 2, cumulative_count_float = 4} (io/prometheus/client/metrics.proto).
 */
import { decodeMessageJson } from '../xds/codec';
import { encodeMessageJson } from '../xds/codec-json-wire';

const NODE_TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.Node';

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'other';

/** Prometheus `MetricType` enum values. */
const METRIC_TYPES: Record<number, MetricKind> = { 0: 'counter', 1: 'gauge', 4: 'histogram' };
const METRIC_TYPE_NUMBERS: Record<MetricKind, number> = { counter: 0, gauge: 1, histogram: 4, other: 3 };

/** One histogram as Envoy flushes it: the samples of one flush interval, buckets cumulative by bound. */
export interface HistogramSample {
  readonly count: number;
  readonly sum: number;
  /** Ascending upper bounds, without +Inf (Envoy never sends one; `count` covers it). */
  readonly upperBounds: readonly number[];
  /** Samples at or below the bound of the same index. */
  readonly cumulativeCounts: readonly number[];
}

export interface EnvoyMetric {
  readonly name: string;
  readonly kind: MetricKind;
  /** Counter or gauge value; 0 for histograms. */
  readonly value: number;
  readonly histogram?: HistogramSample;
  /** Whether the metric came with labels (Envoy's `emit_tags_as_labels`), which the telemetry does not read. */
  readonly labelled?: boolean;
}

export interface StreamMetricsMessage {
  /** The proxy's node as proto3 JSON (metadata as plain JSON), present on a stream's first message. */
  readonly node?: Record<string, unknown>;
  readonly metrics: readonly EnvoyMetric[];
}

/** A message that does not decode; the stream carrying it is closed with this message. */
export class MetricsWireError extends Error {
  constructor(message: string) {
    super(`StreamMetricsMessage: ${message}`);
    this.name = 'MetricsWireError';
  }
}

/**
 * Which families to decode: `bytes` sees the raw name first (so names nobody reads are never
 * turned into strings), then `name` the decoded name; a family either refuses is skipped.
 */
export interface FamilyFilter {
  readonly bytes?: (buffer: Uint8Array, start: number, end: number) => boolean;
  readonly name?: (name: string) => boolean;
}

const EVERY_FAMILY: FamilyFilter = {};

/** Decodes one message, skipping the families `filter` refuses. */
export function decodeStreamMetricsMessage(bytes: Uint8Array, filter: FamilyFilter = EVERY_FAMILY): StreamMetricsMessage {
  const wire = new Wire(bytes);
  let node: Record<string, unknown> | undefined;
  const metrics: EnvoyMetric[] = [];
  while (wire.position < bytes.length) {
    const tag = wire.varint(bytes.length);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      const end = wire.lengthEnd(bytes.length);
      node = readIdentifier(wire, end);
    } else if (field === 2 && wireType === LENGTH_DELIMITED) {
      const end = wire.lengthEnd(bytes.length);
      const metric = readFamily(wire, end, filter);
      if (metric) metrics.push(metric);
      wire.position = end;
    } else {
      wire.skip(wireType, bytes.length);
    }
  }
  return { node, metrics };
}

function readIdentifier(wire: Wire, end: number): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | undefined;
  while (wire.position < end) {
    const tag = wire.varint(end);
    if (tag >>> 3 === 1 && (tag & 7) === LENGTH_DELIMITED) {
      const nodeEnd = wire.lengthEnd(end);
      try {
        node = decodeMessageJson(NODE_TYPE_URL, wire.bytes.subarray(wire.position, nodeEnd), 'identifier.node');
      } catch (error) {
        throw new MetricsWireError(`identifier.node does not decode as an Envoy Node: ${(error as Error).message}`);
      }
      wire.position = nodeEnd;
    } else {
      wire.skip(tag & 7, end);
    }
  }
  return node;
}

function readFamily(wire: Wire, end: number, filter: FamilyFilter): EnvoyMetric | undefined {
  let name: string | undefined;
  let kind: MetricKind = 'other';
  let value = 0;
  let histogram: HistogramSample | undefined;
  let labelled = false;
  let metrics = 0;
  while (wire.position < end) {
    const tag = wire.varint(end);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      const nameEnd = wire.lengthEnd(end);
      if (filter.bytes && !filter.bytes(wire.bytes, wire.position, nameEnd)) return undefined;
      name = wire.text(nameEnd);
      if (filter.name && !filter.name(name)) return undefined;
    } else if (field === 3 && wireType === VARINT) {
      kind = METRIC_TYPES[wire.varint(end)] ?? 'other';
    } else if (field === 4 && wireType === LENGTH_DELIMITED) {
      const metricEnd = wire.lengthEnd(end);
      // With tags left in the name, Envoy sends exactly one metric per family.
      if (metrics++ === 0) {
        while (wire.position < metricEnd) {
          const metricTag = wire.varint(metricEnd);
          const metricField = metricTag >>> 3;
          if ((metricField === 2 || metricField === 3) && (metricTag & 7) === LENGTH_DELIMITED) {
            value = readValue(wire, wire.lengthEnd(metricEnd));
          } else if (metricField === 7 && (metricTag & 7) === LENGTH_DELIMITED) {
            histogram = readHistogram(wire, wire.lengthEnd(metricEnd));
          } else {
            if (metricField === 1) labelled = true;
            wire.skip(metricTag & 7, metricEnd);
          }
        }
      }
      wire.position = metricEnd;
    } else {
      wire.skip(wireType, end);
    }
  }
  if (name === undefined || metrics === 0) return undefined;
  const metric: EnvoyMetric = histogram ? { name, kind, value, histogram } : { name, kind, value };
  return labelled ? { ...metric, labelled } : metric;
}

/** `Gauge` and `Counter` both hold their value in field 1. */
function readValue(wire: Wire, end: number): number {
  let value = 0;
  while (wire.position < end) {
    const tag = wire.varint(end);
    if (tag === ((1 << 3) | FIXED64)) value = wire.double(end);
    else wire.skip(tag & 7, end);
  }
  return value;
}

function readHistogram(wire: Wire, end: number): HistogramSample {
  let count = 0;
  let countFloat = 0;
  let sum = 0;
  const upperBounds: number[] = [];
  const cumulativeCounts: number[] = [];
  while (wire.position < end) {
    const tag = wire.varint(end);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === VARINT) count = wire.varint(end);
    else if (field === 9 && wireType === FIXED64) countFloat = wire.double(end);
    else if (field === 2 && wireType === FIXED64) sum = wire.double(end);
    else if (field === 3 && wireType === LENGTH_DELIMITED) {
      const bucketEnd = wire.lengthEnd(end);
      let upperBound = 0;
      let cumulative = 0;
      let cumulativeFloat = 0;
      while (wire.position < bucketEnd) {
        const bucketTag = wire.varint(bucketEnd);
        if (bucketTag === ((1 << 3) | VARINT)) cumulative = wire.varint(bucketEnd);
        else if (bucketTag === ((4 << 3) | FIXED64)) cumulativeFloat = wire.double(bucketEnd);
        else if (bucketTag === ((2 << 3) | FIXED64)) upperBound = wire.double(bucketEnd);
        else wire.skip(bucketTag & 7, bucketEnd);
      }
      upperBounds.push(upperBound);
      cumulativeCounts.push(cumulativeFloat > 0 ? cumulativeFloat : cumulative);
    } else {
      wire.skip(wireType, end);
    }
  }
  return { count: countFloat > 0 ? countFloat : count, sum, upperBounds, cumulativeCounts };
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/**
 * A cursor over protobuf bytes. Every read takes the end of the enclosing message, so a truncated
 * message throws instead of reading into its neighbour. Nothing is allocated per field: a flush
 * holds thousands of them.
 */
class Wire {
  position = 0;
  private readonly view: DataView;
  private readonly buffer: Buffer;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A varint as a JS number (exact below 2^53, which counts never reach). */
  varint(end: number): number {
    let result = 0;
    let multiplier = 1;
    for (let index = 0; index < 10; index += 1) {
      if (this.position >= end) throw new MetricsWireError('truncated varint');
      const byte = this.bytes[this.position++];
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
    throw new MetricsWireError('varint longer than 10 bytes');
  }

  double(end: number): number {
    this.require(8, end);
    const value = this.view.getFloat64(this.position, true);
    this.position += 8;
    return value;
  }

  /** Reads a length prefix and returns where the field ends (the cursor is at its first byte). */
  lengthEnd(end: number): number {
    const length = this.varint(end);
    this.require(length, end);
    return this.position + length;
  }

  /**
   * The string from the cursor to `end` (a length already read). Stat names are ASCII, for which
   * latin1 decoding is exact and much cheaper than UTF-8.
   */
  text(end: number): string {
    const text = this.buffer.toString('latin1', this.position, end);
    this.position = end;
    return text;
  }

  skip(wireType: number, end: number): void {
    switch (wireType) {
      case VARINT: this.varint(end); return;
      case FIXED64: this.require(8, end); this.position += 8; return;
      case LENGTH_DELIMITED: this.position = this.lengthEnd(end); return;
      case FIXED32: this.require(4, end); this.position += 4; return;
      default: throw new MetricsWireError(`unsupported wire type ${wireType}`);
    }
  }

  private require(length: number, end: number): void {
    if (this.position + length > end) throw new MetricsWireError(`field of ${length} bytes runs past the end of its message`);
  }
}

/**
 * Encodes a message as Envoy does: what fake proxies in tests and benchmarks send. The node is
 * proto3 JSON, as `buildBootstrapNode()` writes it.
 */
export function encodeStreamMetricsMessage(message: { readonly node?: Record<string, unknown>; readonly metrics: readonly EnvoyMetric[] }): Uint8Array {
  const out = new WireWriter();
  if (message.node) {
    const node = encodeMessageJson(NODE_TYPE_URL, message.node, 'identifier.node');
    out.message(1, (identifier) => identifier.bytes(1, node));
  }
  for (const metric of message.metrics) {
    out.message(2, (family) => {
      family.string(1, metric.name);
      family.varintField(3, METRIC_TYPE_NUMBERS[metric.kind]);
      family.message(4, (fields) => {
        if (metric.kind === 'histogram' && metric.histogram) {
          const histogram = metric.histogram;
          fields.message(7, (h) => {
            h.varintField(1, histogram.count);
            h.doubleField(2, histogram.sum);
            histogram.upperBounds.forEach((bound, index) => h.message(3, (bucket) => {
              bucket.varintField(1, histogram.cumulativeCounts[index]);
              bucket.doubleField(2, bound);
            }));
          });
        } else {
          fields.message(metric.kind === 'gauge' ? 2 : 3, (value) => value.doubleField(1, metric.value));
        }
      });
    });
  }
  return out.finish();
}

class WireWriter {
  private readonly chunks: number[] = [];

  varintField(field: number, value: number): void {
    this.varint(field * 8 + VARINT);
    this.varint(value);
  }

  doubleField(field: number, value: number): void {
    this.varint(field * 8 + FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.chunks.push(...bytes);
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  bytes(field: number, value: Uint8Array): void {
    this.varint(field * 8 + LENGTH_DELIMITED);
    this.varint(value.length);
    for (const byte of value) this.chunks.push(byte);
  }

  message(field: number, write: (writer: WireWriter) => void): void {
    const inner = new WireWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }

  private varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.chunks.push((rest % 128) | 0x80);
      rest = Math.floor(rest / 128);
    }
    this.chunks.push(rest);
  }
}
