/**
 * How the store's queries merge series over a window: each series' counts in the window, over its
 * proxy's span, summed per edge (`edges`), into one (`total`) or per group of several groupings
 * (`groupedTotals`). Series are visited proxy by proxy, so a proxy's span is computed once per
 * query; the sums of all edges of a query live in one growing array (a graph merges thousands).
 */
import { EdgeAccumulator, EdgeTraffic, edgeTraffic } from './edge-traffic';
import type { ProxyCoverage } from './proxy-coverage';
import type { TrafficGrouping, TrafficQuery } from './telemetry-store';
import { FIELD_COUNT } from './traffic-fields';
import type { TrafficSeries } from './traffic-series';

/** The store's series, by proxy then cluster. */
export type SeriesByProxy = ReadonlyMap<string, ReadonlyMap<string, TrafficSeries>>;

/** One edge per source workload → destination (service, subset, version, workload), direction and protocol. */
export function mergeEdges(seriesByProxy: SeriesByProxy, query: TrafficQuery, now: number): EdgeTraffic[] {
  const windowMs = query.windowMs;
  const sums = new FieldSums();
  const edges = new Map<string, EdgeAccumulator>();
  const spans = new SpanMemo(now, windowMs);
  for (const byCluster of seriesByProxy.values()) {
    for (const series of byCluster.values()) {
      if (!matches(series, query)) continue;
      let edge = edges.get(series.edgeKey);
      if (!edge) {
        edge = {
          source: series.source, destination: series.destination, protocol: series.protocol, offset: sums.add(),
          reporters: 0, ejectedHosts: 0, mtlsSeries: 0, plaintextSeries: 0,
        };
        edges.set(series.edgeKey, edge);
      }
      const seconds = spans.seconds(series.coverage);
      if (seconds === undefined) continue;
      series.addRates(now, windowMs, seconds, sums.values, edge.offset);
      addSeriesFacts(edge, series);
      edge.reporters += 1;
    }
  }
  const found: EdgeTraffic[] = [];
  for (const edge of edges.values()) if (edge.reporters > 0) found.push(edgeTraffic(edge, sums.values, windowMs / 1000));
  return found;
}

/** Everything matching the query merged into one; undefined when nothing matching reported in the window. */
export function mergeTotal(seriesByProxy: SeriesByProxy, query: TrafficQuery, now: number): EdgeTraffic | undefined {
  const windowMs = query.windowMs;
  const rates = new Float64Array(FIELD_COUNT);
  let edge: EdgeAccumulator | undefined;
  const spans = new SpanMemo(now, windowMs);
  for (const byCluster of seriesByProxy.values()) {
    for (const series of byCluster.values()) {
      if (!matches(series, query)) continue;
      edge ??= {
        destination: series.destination, protocol: series.protocol, offset: 0,
        reporters: 0, ejectedHosts: 0, mtlsSeries: 0, plaintextSeries: 0,
      };
      const seconds = spans.seconds(series.coverage);
      if (seconds === undefined) continue;
      series.addRates(now, windowMs, seconds, rates, 0);
      addSeriesFacts(edge, series);
      edge.reporters += 1;
    }
  }
  return edge && edge.reporters > 0 ? edgeTraffic(edge, rates, windowMs / 1000) : undefined;
}

/**
 * Like `mergeTotal` once per group, for several groupings in one pass: each series' rates are read
 * once, then added to its group of every grouping. A grouping mapping a series to undefined leaves it out.
 */
export function mergeGrouped(seriesByProxy: SeriesByProxy, query: TrafficQuery, groupings: readonly TrafficGrouping[], now: number): Map<string, EdgeTraffic>[] {
  const windowMs = query.windowMs;
  const groups = groupings.map(() => new Map<string, EdgeAccumulator>());
  const sums = groupings.map(() => new FieldSums());
  const spans = new SpanMemo(now, windowMs);
  const rates = new Float64Array(FIELD_COUNT);
  const keys: (string | undefined)[] = new Array(groupings.length);
  // Plain loops: this runs once per series for every graph the observatory draws.
  for (const byCluster of seriesByProxy.values()) {
    for (const series of byCluster.values()) {
      if (!matches(series, query)) continue;
      let grouped = false;
      for (let index = 0; index < groupings.length; index += 1) {
        keys[index] = groupings[index](series.source, series.destination);
        if (keys[index] !== undefined) grouped = true;
      }
      if (!grouped) continue;
      const seconds = spans.seconds(series.coverage);
      if (seconds === undefined) continue;
      rates.fill(0);
      series.addRates(now, windowMs, seconds, rates, 0);
      for (let index = 0; index < keys.length; index += 1) {
        const key = keys[index];
        if (key === undefined) continue;
        let edge = groups[index].get(key);
        if (!edge) {
          edge = {
            source: series.source, destination: series.destination, protocol: series.protocol, offset: sums[index].add(),
            reporters: 0, ejectedHosts: 0, mtlsSeries: 0, plaintextSeries: 0,
          };
          groups[index].set(key, edge);
        }
        const values = sums[index].values;
        const offset = edge.offset;
        for (let field = 0; field < FIELD_COUNT; field += 1) values[offset + field] += rates[field];
        addSeriesFacts(edge, series);
        edge.reporters += 1;
      }
    }
  }
  return groups.map((byKey, index) => {
    const totals = new Map<string, EdgeTraffic>();
    const values = sums[index].values;
    for (const [key, edge] of byKey) totals.set(key, edgeTraffic(edge, values, windowMs / 1000));
    return totals;
  });
}

/** The facts of a series that are not rates: ejected hosts (while connected) and its mutual TLS. */
function addSeriesFacts(edge: EdgeAccumulator, series: TrafficSeries): void {
  edge.ejectedHosts += series.connected ? series.ejectedHosts : 0;
  if (series.mtls === true) edge.mtlsSeries += 1;
  if (series.mtls === false) edge.plaintextSeries += 1;
}

/**
 * The span of the proxy a series belongs to, computed once per proxy and query. A proxy's series
 * are visited together, so remembering the last proxy's span is enough; any other is computed afresh.
 */
class SpanMemo {
  private coverage: ProxyCoverage | undefined;
  private lastSeconds: number | undefined;

  constructor(private readonly now: number, private readonly windowMs: number) {}

  seconds(coverage: ProxyCoverage): number | undefined {
    if (coverage !== this.coverage) {
      this.coverage = coverage;
      this.lastSeconds = coverage.seconds(this.now, this.windowMs);
    }
    return this.lastSeconds;
  }
}

/** The field sums of many edges, edge after edge in one array that doubles when full. */
class FieldSums {
  values = new Float64Array(FIELD_COUNT * 64);
  private count = 0;

  /** The offset of a new edge's (zeroed) fields. */
  add(): number {
    const offset = this.count * FIELD_COUNT;
    if (offset + FIELD_COUNT > this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.count += 1;
    return offset;
  }
}

function matches(series: TrafficSeries, query: TrafficQuery): boolean {
  const destination = series.destination;
  const source = series.source;
  const outbound = destination.direction === 'outbound';
  return (query.direction === undefined || query.direction === destination.direction)
    && (query.sourceNamespace === undefined || (outbound && source.namespace === query.sourceNamespace))
    && (query.sourceWorkload === undefined || (outbound && source.workload === query.sourceWorkload))
    && (query.destinationHost === undefined || destination.service?.host === query.destinationHost)
    && (query.destinationNamespace === undefined || destination.service?.namespace === query.destinationNamespace)
    && (query.destinationVersion === undefined || destination.version === query.destinationVersion)
    && (query.destinationSubset === undefined || destination.subset === query.destinationSubset);
}
