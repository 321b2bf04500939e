/**
 * The recent traffic of one proxy through one cluster: what a sidecar sent to one destination
 * (outbound), or what it received for its own workload on one port (inbound). Two rings keep the
 * history: 10 s slots for windows up to a minute, 1 min slots for windows up to 15 minutes.
 */
import { edgeKey } from './edge-traffic';
import type { IstioEdgeTotals } from './istio-totals';
import type { ClusterFlush } from './proxy-flush';
import { FINE_WINDOW_MS, ProxyCoverage, windowRings } from './proxy-coverage';
import type { RequestProtocol, TrafficDestination } from './traffic-destination';
import { addClusterFlush, FIELD, FIELD_COUNT, flushHasTraffic, InjectedFaults } from './traffic-fields';
import type { WorkloadPeer } from './workload-peer';


/** The proxy that reports a series: its workload, principal and proxy type. */
export interface SourcePeer extends WorkloadPeer {
  readonly proxyId: string;
  readonly principal: string;
  readonly gateway: boolean;
}

/** Connections a connection manager accepted during one flush (inbound series only). */
export interface DownstreamConnections {
  readonly connections: number;
  readonly tlsConnections: number;
}

/** The Istio records a series adds to, and the facts their labels were made from. */
export interface IstioRecords {
  readonly destination: TrafficDestination;
  readonly mtls: boolean;
  readonly protocol: RequestProtocol;
  readonly destinationReports: boolean;
  readonly source?: IstioEdgeTotals;
  readonly destinationReport?: IstioEdgeTotals;
}

export class TrafficSeries {
  private readonly rings = windowRings(FIELD_COUNT);
  /** Whether the series' connections use mutual TLS; learnt from the connections opened (or accepted). */
  mtls: boolean | undefined;
  /** Set once the gRPC stats filter reported calls on this cluster. */
  grpc = false;
  /** Hosts outlier detection holds ejected, as of the last report. */
  ejectedHosts = 0;
  lastTrafficAt: number;
  /** The config generation the destination was resolved against. */
  resolvedWith: object | undefined;
  istio?: IstioRecords;
  private cachedEdgeKey: string | undefined;

  constructor(readonly source: SourcePeer, private resolved: TrafficDestination, readonly coverage: ProxyCoverage, now: number) {
    this.lastTrafficAt = now;
  }

  get connected(): boolean {
    return this.coverage.connected;
  }

  get destination(): TrafficDestination {
    return this.resolved;
  }

  set destination(destination: TrafficDestination) {
    if (destination === this.resolved) return;
    this.resolved = destination;
    this.cachedEdgeKey = undefined;
  }

  get protocol(): RequestProtocol {
    return this.grpc ? 'grpc' : this.resolved.protocol;
  }

  /** The edge this series belongs to (see `edgeKey`), kept until the destination or protocol changes. */
  get edgeKey(): string {
    this.cachedEdgeKey ??= edgeKey(this.source, this.resolved, this.protocol);
    return this.cachedEdgeKey;
  }

  /** Adds the cluster's part of one report (arriving at `now`, covering traffic since `coveredFrom`). */
  record(now: number, coveredFrom: number, flush: ClusterFlush, faults?: InjectedFaults, downstream?: DownstreamConnections): void {
    if (flush && flush.connectionsOpened > 0 && this.destination.direction === 'outbound') this.mtls = flush.tlsHandshakes > 0;
    if (downstream && downstream.connections > 0) this.mtls = downstream.tlsConnections > 0;
    if (flush && flush.grpcStatuses.size > 0 && !this.grpc) {
      this.grpc = true;
      this.cachedEdgeKey = undefined;
    }
    if (flush?.ejectionsActive !== undefined) this.ejectedHosts = flush.ejectionsActive;
    const traffic = flushHasTraffic(flush, faults) || (downstream !== undefined && downstream.connections > 0);
    if (traffic) this.lastTrafficAt = now;
    for (const ring of [this.rings.fine, this.rings.coarse]) {
      const offset = ring.record(now, coveredFrom, traffic);
      if (offset < 0) continue;
      const fields = ring.fields!;
      addClusterFlush(fields, offset, flush, this.mtls === true, faults);
      if (downstream) {
        fields[offset + FIELD.downstreamConnections] += downstream.connections;
        fields[offset + FIELD.downstreamTlsConnections] += downstream.tlsConnections;
      }
    }
  }

  /**
   * Adds the per-second rates of the last `windowMs` into `rates` from `at` on, over `seconds`, the
   * span the proxy's reports cover (`coverage.seconds()`, which a query computes once per proxy).
   */
  addRates(now: number, windowMs: number, seconds: number, rates: Float64Array, at = 0): void {
    const ring = windowMs <= FINE_WINDOW_MS ? this.rings.fine : this.rings.coarse;
    ring.addInto(now, Math.min(windowMs, ring.spanMs), rates, 1 / seconds, at);
  }

  /** Nothing left in the 15-minute history. */
  isIdle(now: number): boolean {
    return this.rings.coarse.isIdle(now) && this.rings.fine.isIdle(now);
  }

  compact(now: number): void {
    this.rings.fine.compact(now);
    this.rings.coarse.compact(now);
  }
}
