/**
 * The recent traffic of one proxy through one cluster: what a sidecar sent to one destination
 * (outbound), or what it received for its own workload on one port (inbound). Two rings keep the
 * history: 10 s slots for windows up to a minute, 1 min slots for windows up to 15 minutes.
 */
import { edgeKey } from './edge-traffic';
import type { IstioEdgeTotals } from './istio-totals';
import type { ClusterFlush } from './proxy-flush';
import { RollingWindow } from './rolling-window';
import type { RequestProtocol, TrafficDestination } from './traffic-destination';
import { addClusterFlush, FIELD, FIELD_COUNT, flushHasTraffic, InjectedFaults } from './traffic-fields';
import type { WorkloadPeer } from './workload-peer';

/** The longest window a query may ask for. */
export const MAX_WINDOW_MS = 15 * 60_000;
const FINE_SLOT_MS = 10_000;
const FINE_WINDOW_MS = 60_000;
const COARSE_SLOT_MS = 60_000;

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
  private readonly fine = new RollingWindow(FINE_SLOT_MS, FINE_WINDOW_MS / FINE_SLOT_MS + 1, FIELD_COUNT);
  private readonly coarse = new RollingWindow(COARSE_SLOT_MS, MAX_WINDOW_MS / COARSE_SLOT_MS + 1, FIELD_COUNT);
  /** Whether the series' connections use mutual TLS; learnt from the connections opened (or accepted). */
  mtls: boolean | undefined;
  /** Set once the gRPC stats filter reported calls on this cluster. */
  grpc = false;
  /** Hosts outlier detection holds ejected, as of the last report. */
  ejectedHosts = 0;
  lastReportAt: number;
  lastTrafficAt: number;
  /** False once the proxy's stats stream ended; its counts stay until they age out. */
  connected = true;
  /** The config generation the destination was resolved against. */
  resolvedWith: object | undefined;
  istio?: IstioRecords;
  private cachedEdgeKey: string | undefined;

  constructor(readonly source: SourcePeer, private resolved: TrafficDestination, now: number) {
    this.lastReportAt = now;
    this.lastTrafficAt = now;
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

  /**
   * Adds one report (arriving at `now`, covering traffic since `coveredFrom`). A report without
   * a flush for this cluster still extends the span its windows cover.
   */
  record(now: number, coveredFrom: number, flush?: ClusterFlush, faults?: InjectedFaults, downstream?: DownstreamConnections): void {
    this.lastReportAt = now;
    this.connected = true;
    if (flush && flush.connectionsOpened > 0 && this.destination.direction === 'outbound') this.mtls = flush.tlsHandshakes > 0;
    if (downstream && downstream.connections > 0) this.mtls = downstream.tlsConnections > 0;
    if (flush && flush.grpcStatuses.size > 0 && !this.grpc) {
      this.grpc = true;
      this.cachedEdgeKey = undefined;
    }
    if (flush?.ejectionsActive !== undefined) this.ejectedHosts = flush.ejectionsActive;
    const traffic = (flush !== undefined && flushHasTraffic(flush, faults)) || (downstream !== undefined && downstream.connections > 0);
    if (traffic) this.lastTrafficAt = now;
    for (const ring of [this.fine, this.coarse]) {
      const fields = ring.record(now, coveredFrom, traffic);
      if (!fields) continue;
      if (flush) addClusterFlush(fields, flush, this.mtls === true, faults);
      if (downstream) {
        fields[FIELD.downstreamConnections] += downstream.connections;
        fields[FIELD.downstreamTlsConnections] += downstream.tlsConnections;
      }
    }
  }

  /**
   * Adds the per-second rates of the last `windowMs` into `rates`; returns the seconds they
   * cover, or undefined when the window holds no report. A connected proxy's counts end at its
   * last report; a departed proxy's at `now`, since it adds nothing more.
   */
  addRates(now: number, windowMs: number, rates: Float64Array): number | undefined {
    const ring = windowMs <= FINE_WINDOW_MS ? this.fine : this.coarse;
    const ringWindow = Math.min(windowMs, ring.spanMs);
    const coveredFrom = ring.coveredFrom(now, ringWindow);
    if (coveredFrom === undefined) return undefined;
    const end = this.connected ? this.lastReportAt : now;
    const seconds = Math.max(end - Math.max(coveredFrom, now - windowMs - ring.slotMs), 1) / 1000;
    ring.addInto(now, ringWindow, rates, 1 / seconds);
    return seconds;
  }

  /** Nothing left in the 15-minute history. */
  isIdle(now: number): boolean {
    return this.coarse.isIdle(now) && this.fine.isIdle(now);
  }

  compact(now: number): void {
    this.fine.compact(now);
    this.coarse.compact(now);
  }
}
