/**
 * Asks one reconciler replica directly (its pod address, the TLS xDS port) what it would serve a
 * proxy, authenticated like a sidecar with a projected-style token, so two replicas can be compared.
 */
import { TYPE_URLS } from '../../../reconciler/src/push/contract';
import { TestAdsStream } from '../../../reconciler/test/support/ads-client';
import { buildBootstrapNode, ProxyNode } from '../../../src/model';

export interface ServedConfig {
  readonly version: string;
  /** Resources as proto3 JSON, sorted by name. */
  readonly resources: unknown[];
}

export interface XdsProbeTarget {
  /** `host:port` of the replica's TLS xDS port. */
  readonly address: string;
  readonly rootCertPem: string;
  /** Name on the reconciler's serving certificate. */
  readonly serverName: string;
  readonly token: string;
}

/** The clusters and listeners the replica serves `node`, requested over one SotW stream. */
export async function fetchServedConfig(target: XdsProbeTarget, node: ProxyNode): Promise<Record<'clusters' | 'listeners', ServedConfig>> {
  const stream = TestAdsStream.openTls(target.address, { rootCertPem: target.rootCertPem, serverName: target.serverName }, 'sotw',
    { authorization: `Bearer ${target.token}` });
  try {
    const fetch = async (typeUrl: string, first: boolean): Promise<ServedConfig> => {
      stream.send({ ...(first ? { node: buildBootstrapNode(node) } : {}), type_url: typeUrl, resource_names: [] });
      for (;;) {
        const response = await Promise.race([stream.next(20_000), stream.failed().then((error) => { throw error; })]);
        if (response.type_url !== typeUrl) continue;
        // ACK, as a proxy would, so the replica moves on to the next type.
        stream.send({ type_url: typeUrl, version_info: response.version_info, response_nonce: response.nonce, resource_names: [] });
        const resources = [...(response.resources as Record<string, unknown>[])]
          .sort((a, b) => String(a.name).localeCompare(String(b.name)));
        return { version: String(response.version_info), resources };
      }
    };
    const clusters = await fetch(TYPE_URLS.cluster, true);
    const listeners = await fetch(TYPE_URLS.listener, false);
    return { clusters, listeners };
  } finally {
    stream.close();
  }
}
