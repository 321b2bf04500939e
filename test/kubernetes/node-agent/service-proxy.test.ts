import type { EndpointSlice, Service } from './pod-types';
import { renderServiceRules } from './service-proxy';

const service: Service = {
  metadata: { name: 'hello', namespace: 'shop' },
  spec: { clusterIP: '198.19.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'idle', port: 81 }] },
};
const slice = (ready: boolean[]): EndpointSlice => ({
  metadata: { name: 'hello-x', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'hello' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
  endpoints: ready.map((isReady, index) => ({ addresses: [`198.18.1.${index + 1}`], conditions: { ready: isReady } })),
});

describe('service proxy rules', () => {
  test('GIVEN three ready endpoints WHEN rendered THEN the ClusterIP and node port jump to a chain picking each with equal chance', () => {
    const rules = renderServiceRules([service], [slice([true, true, true])]).split('\n');
    const picks = rules.filter((line) => /^-A TEST-SVC-/.test(line));
    expect(picks.map((line) => line.replace(/TEST-S(VC|EP)-[0-9A-F]+/g, 'CHAIN'))).toEqual([
      '-A CHAIN -m statistic --mode random --probability 0.3333333333 -j CHAIN',
      '-A CHAIN -m statistic --mode random --probability 0.5000000000 -j CHAIN',
      '-A CHAIN -j CHAIN',
    ]);
    expect(rules.filter((line) => line.includes('DNAT')).map((line) => line.split('--to-destination ')[1]))
      .toEqual(['198.18.1.1:9080', '198.18.1.2:9080', '198.18.1.3:9080']);
    expect(rules.filter((line) => line.startsWith('-A TEST-SERVICES')).map((line) => line.split(' -m comment')[0]))
      .toEqual(['-A TEST-SERVICES -d 198.19.0.10/32 -p tcp --dport 80', '-A TEST-SERVICES -d 198.18.0.1/32 -p tcp --dport 30080']);
  });

  test('GIVEN an endpoint that is not ready and a port without endpoints WHEN rendered THEN the first is left out and the second rejected', () => {
    const rules = renderServiceRules([service], [slice([false, true])]).split('\n');
    expect(rules.filter((line) => line.includes('DNAT')).map((line) => line.split('--to-destination ')[1])).toEqual(['198.18.1.2:9080']);
    expect(rules.filter((line) => line.startsWith('-A TEST-REJECT')).map((line) => line.split(' -m comment')[0]))
      .toEqual(['-A TEST-REJECT -d 198.19.0.10/32 -p tcp --dport 81']);
  });

  test('GIVEN chains of an earlier rule set WHEN rendered THEN the stale ones are flushed and deleted in the same transaction', () => {
    const rules = renderServiceRules([service], [slice([true])], ['TEST-SERVICES', 'TEST-SVC-0000000000000000']).split('\n');
    expect(rules).toContain(':TEST-SVC-0000000000000000 - [0:0]');
    expect(rules).toContain('-X TEST-SVC-0000000000000000');
  });
});
