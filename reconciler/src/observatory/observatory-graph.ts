/**
 * The live graph the observatory draws: the declared mesh's nodes (ids as in the shared declared
 * graph: `service:`, `version:`, `gateway:`, `external:`, `host:`) plus the callers telemetry
 * saw (`workload:<namespace>/<name>`), and edges carrying the window's traffic. Plain JSON: the UI
 * only draws it.
 */
import type { DeclaredMtlsMode } from '../model';
import type { HealthStatus } from './health';

export type GraphNodeKind = 'service' | 'version' | 'workload' | 'gateway' | 'external' | 'unknown';

/** What a badge marks; the UI draws one symbol per kind. */
export type BadgeKind = 'fault' | 'circuit-breaker' | 'mirror' | 'canary' | 'rejected';

export interface GraphBadge {
  readonly kind: BadgeKind;
  /** One line for the tooltip, e.g. `abort 503 · 50 % (2024-05-01T09:00Z → 10:00Z)`. */
  readonly text: string;
}

/** Requests per second, error ratios (0–1) and p99 (ms) of a node's inbound or an edge's traffic. */
export interface TrafficSummary {
  readonly requestsPerSecond: number;
  readonly errorRatio?: number;
  readonly clientErrorRatio?: number;
  readonly grpcErrorRatio?: number;
  readonly p99Ms?: number;
  readonly tcpBytesPerSecond: number;
  /** 0–1 of requests over mutual TLS; undefined when unknown. */
  readonly mtlsShare?: number;
}

export interface GraphNode {
  readonly id: string;
  readonly kind: GraphNodeKind;
  readonly namespace: string;
  readonly name: string;
  /** For a version node: its service's node id. */
  readonly service?: string;
  /** The mTLS mode the workloads behind a service accept. */
  mtlsMode?: DeclaredMtlsMode;
  /** Endpoints behind a service or version: how many exist, and how many callers eject now. */
  endpoints?: { readonly total: number; readonly ejected: number };
  traffic?: TrafficSummary;
  health?: HealthStatus;
  badges: GraphBadge[];
}

/** `traffic`: a caller to a service; `route`: a service to one of its versions; `mirror`: a copy. */
export type GraphEdgeKind = 'traffic' | 'route' | 'mirror';

export interface GraphEdge {
  readonly id: string;
  readonly kind: GraphEdgeKind;
  readonly from: string;
  readonly to: string;
  /** Route edges: the weight (percent) the catch-all route declares, as served (rollouts applied). */
  declaredWeight?: number;
  /** Route edges: the version's share (percent) of the service's requests in the window. */
  observedShare?: number;
  traffic?: TrafficSummary;
  /** True when every request seen on the edge was mutual TLS. */
  mtls?: boolean;
  health?: HealthStatus;
}

export interface ObservatoryGraph {
  /** The namespace asked for; undefined for the whole mesh. */
  readonly namespace?: string;
  readonly namespaces: readonly string[];
  readonly windowSeconds: number;
  /** ISO 8601. */
  readonly generatedAt: string;
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
  /** Validations of the accepted config, by severity, for the UI's banner. */
  readonly validationCounts: { readonly error: number; readonly warning: number };
}
