/**
 * How Envoy finds a cluster's endpoints, normalised so that the same meaning compares equal: the
 * discovery type (a `cluster_type` DNS extension read as the type it stands for), the DNS settings
 * with Envoy's defaults filled in, the endpoints a DNS or static cluster carries, and how an
 * original-destination cluster picks its host. Compared beside the traffic policy
 * (`normaliseCluster`) for the clusters of ServiceEntries.
 */
import { millis } from './envoy-duration';

type Json = Record<string, any>;

export interface NormalisedDiscovery {
  readonly type: string;
  readonly dns: { readonly lookupFamily: string; readonly refreshRateMs: number | null; readonly respectTtl: boolean } | null;
  /** `address:port` (with `×weight` when not 1), sorted; null where EDS delivers them. */
  readonly endpoints: readonly string[] | null;
  readonly originalDestination: { readonly fromHeader: boolean; readonly header: string | null } | null;
}

const DNS_EXTENSION = 'envoy.extensions.clusters.dns.v3.DnsCluster';

function discoveryType(cluster: Json): { type: string; dnsSettings: Json } {
  const extension = cluster.cluster_type?.typed_config as Json | undefined;
  if (extension && String(extension['@type']).endsWith(DNS_EXTENSION)) {
    return { type: extension.all_addresses_in_single_endpoint ? 'LOGICAL_DNS' : 'STRICT_DNS', dnsSettings: extension };
  }
  if (cluster.cluster_type) return { type: `extension ${cluster.cluster_type.name}`, dnsSettings: {} };
  return { type: String(cluster.type ?? 'STATIC'), dnsSettings: cluster };
}

function staticEndpoints(cluster: Json): string[] {
  return ((cluster.load_assignment?.endpoints ?? []) as Json[]).flatMap((locality) => ((locality.lb_endpoints ?? []) as Json[]).map((entry) => {
    const address = entry.endpoint?.address?.socket_address ?? {};
    // Envoy weighs an endpoint 1 unless told otherwise.
    const weight = (entry.load_balancing_weight ?? 1) === 1 ? '' : `×${entry.load_balancing_weight}`;
    return `${address.address}:${address.port_value}${weight}`;
  })).sort();
}

export function normaliseDiscovery(cluster: Json): NormalisedDiscovery {
  const { type, dnsSettings } = discoveryType(cluster);
  const resolved = type === 'STRICT_DNS' || type === 'LOGICAL_DNS';
  const original = cluster.original_dst_lb_config as Json | undefined;
  return {
    type,
    dns: resolved ? {
      lookupFamily: String(dnsSettings.dns_lookup_family ?? 'AUTO'),
      refreshRateMs: millis(dnsSettings.dns_refresh_rate, 5000),
      respectTtl: Boolean(dnsSettings.respect_dns_ttl),
    } : null,
    endpoints: type === 'EDS' || type === 'ORIGINAL_DST' ? null : staticEndpoints(cluster),
    originalDestination: type === 'ORIGINAL_DST'
      ? { fromHeader: Boolean(original?.use_http_header), header: original?.use_http_header ? String(original.http_header_name ?? 'x-envoy-original-dst-host') : null }
      : null,
  };
}
