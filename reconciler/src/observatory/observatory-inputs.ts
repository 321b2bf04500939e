/**
 * Everything the observatory reads, as one snapshot handed in by the reconciler: the accepted
 * config (as served, rollout weights applied), the live traffic, the rollouts' state, what was
 * rejected or ignored, NACKs, and the connected proxies. Tests build it by hand.
 */
import type { IgnoredObject, MeshObject, ProxyIdentity, RejectedObject } from '../push/contract';
import type { MeshSettings } from '../push/mesh-settings';
import type { PushContext } from '../push/push-context';
import type { AuthorizationDecisions, AuthorizingWorkload } from '../telemetry/authorization-counts';
import type { EdgeTraffic } from '../telemetry/edge-traffic';
import type { TrafficGrouping, TrafficQuery } from '../telemetry/telemetry-store';
import type { HealthThresholds } from './health';

/** The part of the telemetry store the graph reads. */
export interface TrafficSource {
  groupedTotals(query: TrafficQuery, groupings: readonly TrafficGrouping[], now?: number): Map<string, EdgeTraffic>[];
}

/** The part of the authorization counts the service page reads. */
export interface AuthorizationSource {
  decisions(workloads: readonly AuthorizingWorkload[], windowMs: number, now: number): AuthorizationDecisions[];
}

/** A rollout as the graph badges it. */
export interface RolloutStatus {
  /** `namespace/virtualservice/route`. */
  readonly key: string;
  /** The canary's destination host, fully qualified. */
  readonly host: string;
  readonly phase: string;
  /** 1-based. */
  readonly step: number;
  readonly steps: number;
  readonly weight: number;
  readonly lastVerdict?: string;
}

/** A NACK still in effect (see ProxyRejections). */
export interface ProxyNack {
  readonly proxy: string;
  readonly typeUrl: string;
  readonly errorDetail: { readonly message: string };
  readonly objects: readonly { readonly kind: string; readonly namespace?: string; readonly name: string }[];
}

export interface ObservatoryInputs {
  /** Undefined before the first config load. */
  readonly push: PushContext | undefined;
  /** The accepted objects the push context was built from. */
  readonly servedObjects: readonly MeshObject[];
  readonly mesh: MeshSettings;
  readonly traffic: TrafficSource;
  /** What the sidecars' RBAC filters allowed and denied; absent where nothing reports it. */
  readonly authorization?: AuthorizationSource;
  readonly rollouts: readonly RolloutStatus[];
  readonly rejected: readonly RejectedObject[];
  readonly ignored: readonly IgnoredObject[];
  readonly nacks: readonly ProxyNack[];
  readonly connectedProxies: readonly ProxyIdentity[];
  readonly thresholds: HealthThresholds;
  /** Epoch ms. */
  readonly now: number;
}
