/**
 * The window's traffic, merged four ways in one pass over the telemetry: as the callers reported
 * it per caller → destination host, per host, and per host and version; and as the destinations'
 * own proxies reported it, per host. Every appender and check reads this one
 * index, so a graph costs one pass over the series however many concerns it shows.
 */
import type { EdgeTraffic } from '../telemetry/edge-traffic';
import type { TrafficDestination } from '../telemetry/traffic-destination';
import type { SourcePeer } from '../telemetry/traffic-series';
import { UNKNOWN } from '../telemetry/workload-peer';
import type { TrafficSource } from './observatory-inputs';

export interface TrafficIndex {
  /** By `callerKey`. */
  readonly byCaller: ReadonlyMap<string, EdgeTraffic>;
  /** By destination host. */
  readonly byHost: ReadonlyMap<string, EdgeTraffic>;
  /** By `versionKey`; traffic to an unknown version is left out. */
  readonly byVersion: ReadonlyMap<string, EdgeTraffic>;
  /** Inbound, by the host of the service whose workload's proxy reported it. */
  readonly inboundByHost: ReadonlyMap<string, EdgeTraffic>;
}

export const callerKey = (source: Pick<SourcePeer, 'namespace' | 'workload'>, host: string) => `${source.namespace}/${source.workload}\u0000${host}`;
export const hostOfCallerKey = (key: string) => key.slice(key.indexOf('\u0000') + 1);
export const versionKey = (host: string, version: string) => `${host}\u0000${version}`;

const hostOf = (destination: TrafficDestination) => destination.service?.host ?? destination.cluster;

export function trafficIndex(source: TrafficSource, windowMs: number, now: number): TrafficIndex {
  // The four groupings ask one after the other about the same series: look its keys up once.
  let lastPeer: SourcePeer | undefined;
  let lastDestination: TrafficDestination | undefined;
  let last: SeriesKeys = {};
  const keys = (peer: SourcePeer, destination: TrafficDestination) => {
    if (peer !== lastPeer || destination !== lastDestination) {
      lastPeer = peer;
      lastDestination = destination;
      last = keysOf(peer, destination);
    }
    return last;
  };
  const [byCaller, byHost, byVersion, inboundByHost] = source.groupedTotals({ windowMs }, [
    (peer, destination) => keys(peer, destination).caller,
    (peer, destination) => keys(peer, destination).host,
    (peer, destination) => keys(peer, destination).version,
    (peer, destination) => keys(peer, destination).inbound,
  ], now);
  return { byCaller, byHost, byVersion, inboundByHost };
}

interface SeriesKeys {
  readonly caller?: string;
  readonly host?: string;
  readonly version?: string;
  readonly inbound?: string;
}

/**
 * A series' four keys, made once per source and destination (both live as long as the series):
 * a key built afresh on every graph is a new string Map lookups must hash again.
 */
const keysBySource = new WeakMap<SourcePeer, WeakMap<TrafficDestination, SeriesKeys>>();

function keysOf(peer: SourcePeer, destination: TrafficDestination): SeriesKeys {
  let byDestination = keysBySource.get(peer);
  if (!byDestination) {
    byDestination = new WeakMap();
    keysBySource.set(peer, byDestination);
  }
  let keys = byDestination.get(destination);
  if (!keys) {
    keys = seriesKeys(peer, destination);
    byDestination.set(destination, keys);
  }
  return keys;
}

function seriesKeys(peer: SourcePeer, destination: TrafficDestination): SeriesKeys {
  if (destination.direction !== 'outbound') return { inbound: destination.service?.host };
  const service = destination.service;
  return {
    caller: callerKey(peer, hostOf(destination)),
    host: service?.host,
    version: service && destination.version !== UNKNOWN ? versionKey(service.host, destination.version) : undefined,
  };
}
