/**
 * The mesh's traffic in Istio's standard metric names and labels on `/metrics`, so Prometheus,
 * Istio's Grafana dashboards and Kiali read this mesh as they read Istio's: request counts,
 * duration and body size histograms (milliseconds and bytes, Envoy's default buckets) and TCP
 * bytes and connections. What each label is derived from is described in `telemetry/istio-labels.ts`.
 */
import { HISTOGRAM_BOUNDS, HISTOGRAM_SLOTS } from '../telemetry/histogram';
import type { DistributionTotals, IstioEdgeTotals, ResponseTotals } from '../telemetry/istio-totals';
import { escapeLabelValue } from './metrics';

interface MetricText {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly lines: string[];
}

/** Lines per chunk of the exposition: a large mesh's text is written out piece by piece. */
const LINES_PER_CHUNK = 2000;

/**
 * Renders every record as chunks of the exposition (never one string: at mesh scale the text runs
 * into hundreds of megabytes); metrics without samples are left out.
 */
export function renderIstioMetrics(records: Iterable<IstioEdgeTotals>): string[] {
  const requests: MetricText = { name: 'istio_requests_total', help: 'Requests, by source and destination workload, response code and flags.', type: 'counter', lines: [] };
  const duration: MetricText = { name: 'istio_request_duration_milliseconds', help: 'Request duration in milliseconds, measured by the source proxy.', type: 'histogram', lines: [] };
  const requestBytes: MetricText = { name: 'istio_request_bytes', help: 'HTTP request body sizes in bytes.', type: 'histogram', lines: [] };
  const responseBytes: MetricText = { name: 'istio_response_bytes', help: 'HTTP response body sizes in bytes.', type: 'histogram', lines: [] };
  const tcpSent: MetricText = { name: 'istio_tcp_sent_bytes_total', help: 'TCP bytes the destination sent back to the source.', type: 'counter', lines: [] };
  const tcpReceived: MetricText = { name: 'istio_tcp_received_bytes_total', help: 'TCP bytes the destination received from the source.', type: 'counter', lines: [] };
  const tcpOpened: MetricText = { name: 'istio_tcp_connections_opened_total', help: 'TCP connections opened.', type: 'counter', lines: [] };
  const tcpClosed: MetricText = { name: 'istio_tcp_connections_closed_total', help: 'TCP connections closed.', type: 'counter', lines: [] };

  for (const record of records) {
    const edge = edgeLabelText(record);
    for (const response of record.responses.values()) {
      const labels = `${edge},${responseLabelText(response)}`;
      requests.lines.push(`${requests.name}{${labels}} ${number(response.count)}`);
      histogramLines(duration, labels, response.duration);
      if (response.requestBytes) histogramLines(requestBytes, labels, response.requestBytes);
      if (response.responseBytes) histogramLines(responseBytes, labels, response.responseBytes);
    }
    if (record.tcp) {
      const labels = `${edge},response_flags="-"`;
      tcpSent.lines.push(`${tcpSent.name}{${labels}} ${number(record.tcp.sentBytes)}`);
      tcpReceived.lines.push(`${tcpReceived.name}{${labels}} ${number(record.tcp.receivedBytes)}`);
      tcpOpened.lines.push(`${tcpOpened.name}{${labels}} ${number(record.tcp.opened)}`);
      tcpClosed.lines.push(`${tcpClosed.name}{${labels}} ${number(record.tcp.closed)}`);
    }
  }
  const chunks: string[] = [];
  for (const metric of [requests, duration, requestBytes, responseBytes, tcpSent, tcpReceived, tcpOpened, tcpClosed]) {
    if (metric.lines.length === 0) continue;
    chunks.push(`# HELP ${metric.name} ${metric.help}\n# TYPE ${metric.name} ${metric.type}\n`);
    for (let start = 0; start < metric.lines.length; start += LINES_PER_CHUNK) {
      chunks.push(`${metric.lines.slice(start, start + LINES_PER_CHUNK).join('\n')}\n`);
    }
  }
  return chunks;
}

/** The record's fixed labels, rendered once per record (records keep them in Istio's order). */
function edgeLabelText(record: IstioEdgeTotals): string {
  return Object.entries(record.labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
}

function responseLabelText(response: ResponseTotals): string {
  return `response_code="${response.code}",response_flags="${escapeLabelValue(response.flags)}",grpc_response_status="${response.grpcStatus}"`;
}

function histogramLines(metric: MetricText, labels: string, distribution: DistributionTotals): void {
  let cumulative = 0;
  for (let slot = 0; slot < HISTOGRAM_BOUNDS.length; slot += 1) {
    cumulative += distribution.buckets[slot];
    metric.lines.push(`${metric.name}_bucket{${labels},le="${HISTOGRAM_BOUNDS[slot]}"} ${number(cumulative)}`);
  }
  cumulative += distribution.buckets[HISTOGRAM_SLOTS - 1];
  metric.lines.push(`${metric.name}_bucket{${labels},le="+Inf"} ${number(cumulative)}`);
  metric.lines.push(`${metric.name}_sum{${labels}} ${number(distribution.sum)}`);
  metric.lines.push(`${metric.name}_count{${labels}} ${number(cumulative)}`);
}

/** Counts shared out between response codes can be fractional; keep the text short. */
function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
}
