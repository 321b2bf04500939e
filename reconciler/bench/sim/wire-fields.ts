/**
 * Reads just the few protobuf fields a simulated proxy needs (resource names, EDS service names,
 * RDS route names) straight from the wire bytes. Decoding every resource into objects, as Envoy
 * would, costs far more CPU than a real sidecar spends and would make the clients the bottleneck.
 */

/** One field of a message: its number and, for length-delimited fields, the slice of its bytes. */
interface WireField {
  readonly field: number;
  readonly bytes?: Uint8Array;
  readonly varint?: number;
}

const decoder = new TextDecoder();

function readVarint(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let shift = 1;
  let position = offset;
  for (;;) {
    const byte = bytes[position++];
    value += (byte & 0x7f) * shift;
    if (byte < 0x80) return [value, position];
    shift *= 128;
  }
}

/** The top-level fields of one encoded message, in wire order. */
export function* wireFields(bytes: Uint8Array): Generator<WireField> {
  let offset = 0;
  while (offset < bytes.length) {
    const [key, afterKey] = readVarint(bytes, offset);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    offset = afterKey;
    if (wireType === 0) {
      const [varint, next] = readVarint(bytes, offset);
      offset = next;
      yield { field, varint };
    } else if (wireType === 2) {
      const [length, start] = readVarint(bytes, offset);
      offset = start + length;
      yield { field, bytes: bytes.subarray(start, offset) };
    } else if (wireType === 1) {
      offset += 8;
    } else if (wireType === 5) {
      offset += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wireType} in field ${field}`);
    }
  }
}

/** The first length-delimited field `field` of a message, or undefined. */
export function firstBytes(bytes: Uint8Array, field: number): Uint8Array | undefined {
  for (const entry of wireFields(bytes)) if (entry.field === field && entry.bytes) return entry.bytes;
  return undefined;
}

export function firstString(bytes: Uint8Array, field: number): string | undefined {
  const value = firstBytes(bytes, field);
  return value === undefined ? undefined : decoder.decode(value);
}

const CLUSTER = { name: 1, type: 2, edsClusterConfig: 3 } as const;
const EDS_CLUSTER_CONFIG_SERVICE_NAME = 2;
const DISCOVERY_TYPE_EDS = 3;

/** A cluster's name and, for an EDS cluster, the assignment name Envoy subscribes to. */
export function clusterSummary(bytes: Uint8Array): { name: string; edsName?: string } {
  let name = '';
  let isEds = false;
  let serviceName: string | undefined;
  for (const entry of wireFields(bytes)) {
    if (entry.field === CLUSTER.name && entry.bytes) name = decoder.decode(entry.bytes);
    else if (entry.field === CLUSTER.type && entry.varint === DISCOVERY_TYPE_EDS) isEds = true;
    else if (entry.field === CLUSTER.edsClusterConfig && entry.bytes) serviceName = firstString(entry.bytes, EDS_CLUSTER_CONFIG_SERVICE_NAME);
  }
  // Envoy falls back to the cluster name when eds_cluster_config.service_name is empty.
  return { name, edsName: isEds ? (serviceName || name) : undefined };
}

const LISTENER = { name: 1, filterChains: 3, defaultFilterChain: 25 } as const;
const FILTER_CHAIN_FILTERS = 3;
const FILTER_TYPED_CONFIG = 4;
const ANY = { typeUrl: 1, value: 2 } as const;
const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const HCM_RDS = 3;
const RDS_ROUTE_CONFIG_NAME = 2;

/** A listener's name and the RDS route configuration names its HTTP connection managers use. */
export function listenerSummary(bytes: Uint8Array): { name: string; routeNames: string[] } {
  let name = '';
  const routeNames: string[] = [];
  for (const entry of wireFields(bytes)) {
    if (entry.field === LISTENER.name && entry.bytes) name = decoder.decode(entry.bytes);
    else if ((entry.field === LISTENER.filterChains || entry.field === LISTENER.defaultFilterChain) && entry.bytes) {
      routeNames.push(...filterChainRouteNames(entry.bytes));
    }
  }
  return { name, routeNames };
}

function filterChainRouteNames(chain: Uint8Array): string[] {
  const names: string[] = [];
  for (const filter of wireFields(chain)) {
    if (filter.field !== FILTER_CHAIN_FILTERS || !filter.bytes) continue;
    const typedConfig = firstBytes(filter.bytes, FILTER_TYPED_CONFIG);
    if (!typedConfig || firstString(typedConfig, ANY.typeUrl) !== HCM_TYPE_URL) continue;
    const config = firstBytes(typedConfig, ANY.value);
    const rds = config && firstBytes(config, HCM_RDS);
    const routeName = rds && firstString(rds, RDS_ROUTE_CONFIG_NAME);
    if (routeName) names.push(routeName);
  }
  return names;
}

/** The `name` (field 1) of a RouteConfiguration or `cluster_name` of a ClusterLoadAssignment. */
export function resourceName(bytes: Uint8Array): string {
  return firstString(bytes, 1) ?? '';
}
