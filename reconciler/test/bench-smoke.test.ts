/**
 * The benchmark's simulated proxies at a tiny scale: against a real reconciler serving synthetic
 * mesh config, every proxy must subscribe in Envoy's order and ACK every type, in both ADS flavours.
 */
import * as fs from 'fs';
import { startBenchReconciler } from '../bench/bench-reconciler';
import { writeMeshConfig } from '../bench/mesh-config';
import { proxyWorkloads } from '../bench/figures/figure';
import { ProxyFleet } from '../bench/sim/proxy-fleet';
import { SUBSCRIBED_TYPES } from '../bench/sim/simulated-proxy';
import { TYPE_URLS } from '../src/push/contract';

const SCALE = { services: 5 };
const PROXIES = 3;

describe('benchmark simulated proxies', () => {
  let dir: string;

  beforeAll(() => {
    dir = writeMeshConfig(SCALE);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each(['sotw', 'delta'] as const)('GIVEN 5 services WHEN 3 simulated %s proxies connect THEN each ACKs CDS, EDS, LDS and RDS with non-empty config', async (flavour) => {
    const { reconciler, xdsPort } = await startBenchReconciler({ dir, source: 'directory', logLevel: 'silent' });
    const acked: string[] = [];
    const fleet = new ProxyFleet(proxyWorkloads(PROXIES, SCALE), {
      target: `127.0.0.1:${xdsPort}`, flavour, onAck: (_proxy, typeUrl) => acked.push(typeUrl),
    });
    try {
      fleet.connectAll();
      await fleet.waitAllSynced(20_000);
      for (const proxy of fleet.proxies) {
        expect(proxy.ackedTypes).toEqual([...SUBSCRIBED_TYPES]);
        // Every service's v1, v2 and service-wide assignments reach the proxy over EDS.
        expect(proxy.counters.get(TYPE_URLS.endpoint)!.resources).toBeGreaterThanOrEqual(SCALE.services * 3);
        expect(proxy.counters.get(TYPE_URLS.route)!.resources).toBeGreaterThan(0);
      }
      // Envoy's order: each proxy's first ACKs are CDS, then EDS, then LDS, then RDS.
      const firstAckOrder = [...new Set(acked)];
      expect(firstAckOrder).toEqual([TYPE_URLS.cluster, TYPE_URLS.endpoint, TYPE_URLS.listener, TYPE_URLS.route]);
    } finally {
      fleet.closeAll();
      await reconciler.stop();
    }
  });
});
