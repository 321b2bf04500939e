/**
 * The wire form of `envoy.service.metrics.v3.StreamMetricsMessage`: an identifier (the proxy's
 * `Node`, on the first message of a stream only) and Prometheus client-model `MetricFamily`
 * messages. The families are read by hand rather than through protobufjs: a sidecar sends a few
 * hundred every flush, most of which the telemetry ignores, and reading the name first lets those
 * be skipped without decoding them. The `Node` goes through the xDS codec like on ADS streams.
 *
 * Field numbers: `StreamMetricsMessage` {identifier = 1, envoy_metrics = 2}, `Identifier` {node = 1}
 * (envoy/service/metrics/v3/metrics_service.proto); `MetricFamily` {name = 1, type = 3, metric = 4},
 * `Metric` {label = 1, gauge = 2, counter = 3, histogram = 7}, `Gauge`/`Counter` {value = 1},
 * `Histogram` {sample_count = 1, sample_sum = 2, bucket = 3, sample_count_float = 9}, `Bucket`
 * {cumulative_count = 1, upper_bound = 2, cumulative_count_float = 4} (io/prometheus/client/metrics.proto).
 */
import { decodeMessageJson } from '../xds/codec';
import { encodeMessageJson } from '../xds/codec-from-json';

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
 * Decodes one message. `keep(name)` is asked once per family before anything else of it is read;
 * families it refuses are skipped.
 */
export function decodeStreamMetricsMessage(bytes: Uint8Array, keep: (name: string) => boolean = () => true): StreamMetricsMessage {
  const reader = new WireReader(bytes, 0, bytes.length);
  let node: Record<string, unknown> | undefined;
  const metrics: EnvoyMetric[] = [];
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      node = readIdentifier(reader.sub());
    } else if (field === 2 && wireType === LENGTH_DELIMITED) {
      const metric = readFamily(reader.sub(), keep);
      if (metric) metrics.push(metric);
    } else {
      reader.skip(wireType);
    }
  }
  return { node, metrics };
}

function readIdentifier(reader: WireReader): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | undefined;
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      const bytes = reader.bytes();
      try {
        node = decodeMessageJson(NODE_TYPE_URL, bytes, 'identifier.node');
      } catch (error) {
        throw new MetricsWireError(`identifier.node does not decode as an Envoy Node: ${(error as Error).message}`);
      }
    } else {
      reader.skip(wireType);
    }
  }
  return node;
}

function readFamily(reader: WireReader, keep: (name: string) => boolean): EnvoyMetric | undefined {
  let name: string | undefined;
  let kind: MetricKind = 'other';
  let metric: MetricFields | undefined;
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      name = reader.string();
      if (!keep(name)) return undefined;
    } else if (field === 3 && wireType === VARINT) {
      kind = METRIC_TYPES[reader.varint()] ?? 'other';
    } else if (field === 4 && wireType === LENGTH_DELIMITED) {
      // With tags left in the name, Envoy sends exactly one metric per family.
      const fields = readMetric(reader.sub());
      metric ??= fields;
    } else {
      reader.skip(wireType);
    }
  }
  if (name === undefined || !metric) return undefined;
  return { name, kind, value: metric.value, histogram: metric.histogram, ...(metric.labelled ? { labelled: true } : {}) };
}

interface MetricFields {
  value: number;
  histogram?: HistogramSample;
  labelled: boolean;
}

function readMetric(reader: WireReader): MetricFields {
  const result: MetricFields = { value: 0, labelled: false };
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if ((field === 2 || field === 3) && wireType === LENGTH_DELIMITED) {
      result.value = readValue(reader.sub());
    } else if (field === 7 && wireType === LENGTH_DELIMITED) {
      result.histogram = readHistogram(reader.sub());
    } else {
      if (field === 1) result.labelled = true;
      reader.skip(wireType);
    }
  }
  return result;
}

/** `Gauge` and `Counter` both hold their value in field 1. */
function readValue(reader: WireReader): number {
  let value = 0;
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if (field === 1 && wireType === FIXED64) value = reader.double();
    else reader.skip(wireType);
  }
  return value;
}

function readHistogram(reader: WireReader): HistogramSample {
  let count = 0;
  let countFloat = 0;
  let sum = 0;
  const upperBounds: number[] = [];
  const cumulativeCounts: number[] = [];
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if (field === 1 && wireType === VARINT) count = reader.varint();
    else if (field === 9 && wireType === FIXED64) countFloat = reader.double();
    else if (field === 2 && wireType === FIXED64) sum = reader.double();
    else if (field === 3 && wireType === LENGTH_DELIMITED) {
      const bucket = readBucket(reader.sub());
      upperBounds.push(bucket.upperBound);
      cumulativeCounts.push(bucket.cumulative);
    } else {
      reader.skip(wireType);
    }
  }
  return { count: countFloat > 0 ? countFloat : count, sum, upperBounds, cumulativeCounts };
}

function readBucket(reader: WireReader): { upperBound: number; cumulative: number } {
  let upperBound = 0;
  let cumulative = 0;
  let cumulativeFloat = 0;
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if (field === 1 && wireType === VARINT) cumulative = reader.varint();
    else if (field === 4 && wireType === FIXED64) cumulativeFloat = reader.double();
    else if (field === 2 && wireType === FIXED64) upperBound = reader.double();
    else reader.skip(wireType);
  }
  return { upperBound, cumulative: cumulativeFloat > 0 ? cumulativeFloat : cumulative };
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** A bounded view of protobuf bytes; every read checks the bound so a truncated message throws. */
class WireReader {
  private static readonly textDecoder = new TextDecoder();

  constructor(private readonly buffer: Uint8Array, private position: number, private readonly end: number) {}

  more(): boolean {
    return this.position < this.end;
  }

  tag(): { field: number; wireType: number } {
    const tag = this.varint();
    return { field: Math.floor(tag / 8), wireType: tag % 8 };
  }

  /** A varint as a JS number (exact below 2^53, which counts never reach). */
  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let index = 0; index < 10; index += 1) {
      if (this.position >= this.end) throw new MetricsWireError('truncated varint');
      const byte = this.buffer[this.position++];
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
    throw new MetricsWireError('varint longer than 10 bytes');
  }

  double(): number {
    this.require(8);
    const value = new DataView(this.buffer.buffer, this.buffer.byteOffset + this.position, 8).getFloat64(0, true);
    this.position += 8;
    return value;
  }

  sub(): WireReader {
    const length = this.varint();
    this.require(length);
    const reader = new WireReader(this.buffer, this.position, this.position + length);
    this.position += length;
    return reader;
  }

  bytes(): Uint8Array {
    const length = this.varint();
    this.require(length);
    const bytes = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return bytes;
  }

  string(): string {
    return WireReader.textDecoder.decode(this.bytes());
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT: this.varint(); return;
      case FIXED64: this.require(8); this.position += 8; return;
      case LENGTH_DELIMITED: { const length = this.varint(); this.require(length); this.position += length; return; }
      case FIXED32: this.require(4); this.position += 4; return;
      default: throw new MetricsWireError(`unsupported wire type ${wireType}`);
    }
  }

  private require(length: number): void {
    if (this.position + length > this.end) throw new MetricsWireError(`field of ${length} bytes runs past the end of its message`);
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
