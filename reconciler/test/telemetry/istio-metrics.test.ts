/** Istio's standard metrics on `/metrics`, rendered from flushes of a fake clock's proxies. */
import { renderIstioMetrics } from '../../src/ops/istio-metrics';
import { ISTIO_LABELS } from '../../src/telemetry/istio-labels';
import { TelemetryStore } from '../../src/telemetry/telemetry-store';
import { TrafficDestinations } from '../../src/telemetry/traffic-destination';
import { clusterStats, evenLatencies } from '../support/envoy-stats';
import { BOOKINFO, loadPushContext, proxy } from '../generators/fixture-loader';

const push = loadPushContext(BOOKINFO);
const T0 = 1_800_000_000_000;
const productpage = proxy({ name: 'productpage-1', namespace: 'bookinfo', serviceAccount: 'bookinfo-productpage', labels: { app: 'productpage', version: 'v1' } });

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parse(text: string): Sample[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...match[2].matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]));
    return { name: match[1], labels, value: Number(match[3]) };
  });
}

function exposition(bodySizeMetrics = true): Sample[] {
  const telemetry = new TelemetryStore({ destinations: new TrafficDestinations(() => push), trustDomain: 'cluster.local', bodySizeMetrics });
  const stream = telemetry.openStream(productpage, T0);
  stream.record([
    ...clusterStats('outbound|9080|v1|reviews.bookinfo.svc.cluster.local', {
      responses: { 200: 30, 503: 10 }, overflows: 4, latenciesMs: evenLatencies(36, 2, 40), requestBodyBytes: Array(36).fill(120),
    }),
    ...clusterStats('outbound|3306||mysql.storage.svc.cluster.local', { connectionsOpened: 3, connectionsClosed: 1, sentBytes: 700, receivedBytes: 9000 }),
    ...clusterStats('outbound|9080||ratings.bookinfo.svc.cluster.local', { responses: { 200: 8 }, grpcStatuses: { 0: 5, 14: 3 }, latenciesMs: Array(8).fill(3) }),
  ], T0 + 5000);
  stream.record(clusterStats('outbound|9080|v1|reviews.bookinfo.svc.cluster.local', { responses: { 200: 10 }, latenciesMs: Array(10).fill(700) }), T0 + 10_000);
  return parse(renderIstioMetrics(telemetry.istio.all()).join(''));
}

const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([name]) => name !== 'le').sort());

describe('Istio standard metrics', () => {
  const samples = exposition();

  test('GIVEN HTTP, gRPC and TCP edges WHEN rendered THEN every request series carries all of Istio\'s labels', () => {
    const requests = samples.filter((sample) => sample.name === 'istio_requests_total');
    expect(requests.length).toBeGreaterThan(0);
    for (const sample of requests) expect(Object.keys(sample.labels).sort()).toEqual([...ISTIO_LABELS].sort());
    for (const sample of samples.filter((candidate) => candidate.name.startsWith('istio_tcp_'))) {
      expect(Object.keys(sample.labels).sort()).toEqual(ISTIO_LABELS.filter((name) => name !== 'response_code' && name !== 'grpc_response_status').sort());
    }
  });

  test('GIVEN overflows among the 503s WHEN rendered THEN requests split into 200, 503 with UO and 503 without, totalling what Envoy counted', () => {
    const reviews = samples.filter((sample) => sample.name === 'istio_requests_total' && sample.labels.destination_service_name === 'reviews');
    const byCode = Object.fromEntries(reviews.map((sample) => [`${sample.labels.response_code} ${sample.labels.response_flags}`, sample.value]));

    expect(byCode).toEqual({ '200 -': 40, '503 UO': 4, '503 -': 6 });
  });

  test('GIVEN gRPC statuses on a cluster WHEN rendered THEN its requests are gRPC with the statuses on the 200 responses', () => {
    const ratings = samples.filter((sample) => sample.name === 'istio_requests_total' && sample.labels.destination_service_name === 'ratings');

    expect(ratings.map((sample) => [sample.labels.request_protocol, sample.labels.response_code, sample.labels.grpc_response_status, sample.value]))
      .toEqual([['grpc', '200', '0', 5], ['grpc', '200', '14', 3]]);
  });

  test('GIVEN the duration histograms WHEN rendered THEN buckets grow with le, +Inf and _count equal the requests of the same labels, and _sum keeps the mean', () => {
    const requests = new Map(samples.filter((sample) => sample.name === 'istio_requests_total').map((sample) => [key(sample.labels), sample.value]));
    const buckets = samples.filter((sample) => sample.name === 'istio_request_duration_milliseconds_bucket');
    const bySeries = new Map<string, Sample[]>();
    for (const bucket of buckets) bySeries.set(key(bucket.labels), [...(bySeries.get(key(bucket.labels)) ?? []), bucket]);

    for (const [series, list] of bySeries) {
      const values = list.map((bucket) => bucket.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(list[list.length - 1].labels.le).toBe('+Inf');
      expect(values[values.length - 1]).toBeCloseTo(requests.get(series)!, 6);
      const count = samples.find((sample) => sample.name === 'istio_request_duration_milliseconds_count' && key(sample.labels) === series)!;
      expect(count.value).toBeCloseTo(requests.get(series)!, 6);
    }
    // The reviews 200s: 30 of the first flush's 36 latencies (mean 21 ms), then 10 at 700 ms.
    const ok = (name: string) => samples.find((sample) => sample.name === name && sample.labels.destination_service_name === 'reviews'
      && sample.labels.response_code === '200' && sample.labels.reporter === 'source')!.value;
    expect(ok('istio_request_duration_milliseconds_sum')).toBeCloseTo(30 * 21 + 10 * 700, 4);
    expect(ok('istio_request_bytes_count')).toBeCloseTo(30, 6);
  });

  test('GIVEN body size metrics left off (the default) WHEN rendered THEN the size histograms are absent and the rest is unchanged', () => {
    const lean = exposition(false);

    expect(lean.filter((sample) => /^istio_(request|response)_bytes/.test(sample.name))).toEqual([]);
    expect(lean.filter((sample) => sample.name === 'istio_requests_total')).toEqual(samples.filter((sample) => sample.name === 'istio_requests_total'));
  });

  test('GIVEN a TCP edge WHEN rendered THEN bytes follow Istio\'s direction (sent = back to the source) and connections are counted', () => {
    const tcp = Object.fromEntries(samples.filter((sample) => sample.name.startsWith('istio_tcp_')).map((sample) => [sample.name, sample.value]));

    expect(tcp).toEqual({
      istio_tcp_sent_bytes_total: 9000, istio_tcp_received_bytes_total: 700, istio_tcp_connections_opened_total: 3, istio_tcp_connections_closed_total: 1,
    });
    const mysql = samples.find((sample) => sample.name === 'istio_tcp_sent_bytes_total')!;
    expect(mysql.labels).toMatchObject({ request_protocol: 'tcp', destination_service: 'mysql.storage.svc.cluster.local', destination_workload: 'mysql', response_flags: '-' });
  });
});
