import { buildBootstrapNode } from '../../src/model';
import { decodeStreamMetricsMessage, encodeStreamMetricsMessage, EnvoyMetric, MetricsWireError } from '../../src/telemetry/metrics-wire';
import { histogramOf } from '../support/envoy-stats';

const node = buildBootstrapNode({
  id: 'sidecar~127.0.3.1~productpage-0.shop~shop.svc.cluster.local', cluster: 'productpage.shop', namespace: 'shop', serviceAccount: 'productpage',
  name: 'productpage-0', workloadName: 'productpage-v1', labels: { app: 'productpage', version: 'v1' }, instanceIp: '127.0.3.1', interceptionMode: 'NONE',
});

const metrics: EnvoyMetric[] = [
  { name: 'cluster.outbound|9080|v2|reviews.shop.svc.cluster.local.upstream_rq_200', kind: 'counter', value: 41 },
  { name: 'server.uptime', kind: 'gauge', value: 12 },
  { name: 'cluster.outbound|9080|v2|reviews.shop.svc.cluster.local.upstream_rq_time', kind: 'histogram', value: 0, histogram: histogramOf([0.7, 3, 3, 40, 12_000]) },
  { name: 'cluster.big.upstream_cx_tx_bytes_total', kind: 'counter', value: 2 ** 40 + 0.5 },
];

describe('StreamMetricsMessage wire form', () => {
  test('GIVEN a first message with the node WHEN encoded and decoded THEN node and metrics come back unchanged', () => {
    const decoded = decodeStreamMetricsMessage(encodeStreamMetricsMessage({ node, metrics }));

    expect(decoded.node).toMatchObject({ id: node.id, cluster: 'productpage.shop' });
    expect((decoded.node!.metadata as Record<string, unknown>).WORKLOAD_NAME).toBe('productpage-v1');
    expect((decoded.node!.metadata as Record<string, unknown>).LABELS).toEqual({ app: 'productpage', version: 'v1' });
    expect(decoded.metrics).toEqual(metrics);
  });

  test('GIVEN a later message WHEN decoded THEN it has no node', () => {
    expect(decodeStreamMetricsMessage(encodeStreamMetricsMessage({ metrics })).node).toBeUndefined();
  });

  test('GIVEN a filter WHEN decoded THEN refused families are skipped and the rest still decode', () => {
    const asked: string[] = [];
    const decoded = decodeStreamMetricsMessage(encodeStreamMetricsMessage({ metrics }), {
      name: (name) => {
        asked.push(name);
        return name.endsWith('upstream_rq_time');
      },
    });

    expect(asked).toEqual(metrics.map((metric) => metric.name));
    expect(decoded.metrics.map((metric) => metric.name)).toEqual([metrics[2].name]);
    expect(decoded.metrics[0].histogram).toEqual(histogramOf([0.7, 3, 3, 40, 12_000]));
  });

  test.each([
    ['cut inside a family', (bytes: Uint8Array) => bytes.subarray(0, bytes.length - 3)],
    ['a length past the end', (bytes: Uint8Array) => Uint8Array.from([0x12, 0x7f, ...bytes.subarray(0, 10)])],
  ])('GIVEN a message %s WHEN decoded THEN a MetricsWireError says what is wrong', (_, damage) => {
    const bytes = damage(encodeStreamMetricsMessage({ metrics }));

    expect(() => decodeStreamMetricsMessage(bytes)).toThrow(MetricsWireError);
  });

  test('GIVEN an identifier whose node is not a Node WHEN decoded THEN the error names identifier.node', () => {
    // identifier { node: bytes that open a length-delimited field running past their end }
    const bytes = Uint8Array.from([0x0a, 0x04, 0x0a, 0x02, 0x0a, 0x7f]);

    expect(() => decodeStreamMetricsMessage(bytes)).toThrow(/identifier\.node does not decode as an Envoy Node/);
  });
});
