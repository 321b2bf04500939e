import { mayBeReadStat, parseStatName } from '../../src/telemetry/stat-names';

const REVIEWS = 'outbound|9080|v2|reviews.shop.svc.cluster.local';

describe('Envoy stat names the telemetry reads', () => {
  test.each([
    [`cluster.${REVIEWS}.upstream_rq_503`, { scope: 'cluster', cluster: REVIEWS, stat: { kind: 'responses', code: 503 } }],
    [`cluster.${REVIEWS}.upstream_rq_time`, { scope: 'cluster', cluster: REVIEWS, stat: { kind: 'latency' } }],
    [`cluster.${REVIEWS}.ssl.handshake`, { scope: 'cluster', cluster: REVIEWS, stat: { kind: 'tls-handshakes' } }],
    [`cluster.${REVIEWS}.outlier_detection.ejections_enforced_total`, { scope: 'cluster', cluster: REVIEWS, stat: { kind: 'ejections' } }],
    [`cluster.${REVIEWS}.grpc.14`, { scope: 'cluster', cluster: REVIEWS, stat: { kind: 'grpc-status', status: 14 } }],
    ['cluster.inbound|9080||.upstream_rq_200', { scope: 'cluster', cluster: 'inbound|9080||', stat: { kind: 'responses', code: 200 } }],
    ['http.outbound_127.0.3.1_9080.fault.aborts_injected', { scope: 'listener', statPrefix: 'outbound_127.0.3.1_9080', stat: { kind: 'fault-aborts' } }],
    ['http.inbound_9080.downstream_cx_ssl_total', { scope: 'listener', statPrefix: 'inbound_9080', stat: { kind: 'tls-connections' } }],
    ['server.uptime', { scope: 'uptime' }],
    ['http.inbound_9080.rbac.deny.policy.ns[shop]-policy[orders.deny]-rule[0].denied',
      { scope: 'listener', statPrefix: 'inbound_9080', stat: { kind: 'authorization', action: 'DENY', rule: 'ns[shop]-policy[orders.deny]-rule[0]', outcome: 'denied' } }],
    ['http.inbound_9080.rbac.allow.policy.ns[shop]-policy[get-only]-rule[2].allowed',
      { scope: 'listener', statPrefix: 'inbound_9080', stat: { kind: 'authorization', action: 'ALLOW', rule: 'ns[shop]-policy[get-only]-rule[2]', outcome: 'allowed' } }],
    ['http.inbound_9080.rbac.allow.denied', { scope: 'listener', statPrefix: 'inbound_9080', stat: { kind: 'authorization', action: 'ALLOW', outcome: 'denied' } }],
    ['http.0.0.0.0_8080.rbac.audit.allowed', { scope: 'listener', statPrefix: '0.0.0.0_8080', stat: { kind: 'authorization', action: 'LOG', outcome: 'allowed' } }],
  ])('GIVEN %s WHEN parsed THEN the cluster (or prefix) and stat are split at the stat', (name, expected) => {
    expect(parseStatName(name)).toEqual(expected);
  });

  test.each([
    `cluster.${REVIEWS}.upstream_rq_2xx`,
    `cluster.${REVIEWS}.upstream_rq_total`,
    `cluster.${REVIEWS}.external.upstream_rq_200`,
    `cluster.${REVIEWS}.canary.upstream_rq_time`,
    `cluster.${REVIEWS}.zone.a.b.upstream_rq_200`,
    `cluster.${REVIEWS}.grpc.99`,
    'http.outbound_0.0.0.0_80.fault.mobile.aborts_injected',
    'listener.0.0.0.0_15006.downstream_cx_total',
    'cluster_manager.cds.update_success',
    'http.inbound_9080.rbac.allowed',
    'http.inbound_9080.rbac.shadow_denied',
    'http.inbound_9080.rbac.custom.denied',
  ])('GIVEN %s WHEN parsed THEN it is not read (a class total, a sub-scope copy or another stat)', (name) => {
    expect(parseStatName(name)).toBeUndefined();
  });

  test('GIVEN a host ending in .external that is one of the proxy clusters WHEN parsed THEN it is read as that cluster', () => {
    const cluster = 'outbound|443||api.external';
    const name = `cluster.${cluster}.upstream_rq_200`;

    expect(parseStatName(name)).toBeUndefined();
    expect(parseStatName(name, (candidate) => candidate === cluster)).toEqual({ scope: 'cluster', cluster, stat: { kind: 'responses', code: 200 } });
  });

  test.each([
    'http.inbound_9080.rbac.deny.policy.ns[shop]-policy[orders-deny]-rule[0].denied',
    'http.inbound_9080.rbac.allow.denied',
    `cluster.${REVIEWS}.upstream_rq_503`,
    'http.inbound_9080.fault.delays_injected',
  ])('GIVEN %s, a name the telemetry reads, WHEN pre-screened by its bytes THEN it is let through to be decoded', (name) => {
    const bytes = Buffer.from(`xx${name}yy`, 'latin1');
    expect(parseStatName(name)).toBeDefined();
    expect(mayBeReadStat(bytes, 2, bytes.length - 2)).toBe(true);
  });
});
