/** A differential case: Istio objects for the fixed mesh and the request classes sent through both sides. */
import type { RequestSpec } from './request-outcome';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

export interface RequestClass {
  readonly name: string;
  readonly request: RequestSpec;
  /** How many times it is sent per side: 1–3 for fixed routes, a few hundred where a share is compared. */
  readonly repeat: number;
}

export interface DifferentialCase {
  readonly id: string;
  readonly description: string;
  /** Plain Istio objects (not through the constructs), applied with kubectl. */
  readonly objects: readonly KubeObject[];
  readonly requests: readonly RequestClass[];
  /** Clusters each side must hold with endpoints before the requests go out (those of ServiceEntries and subsets the case adds). */
  readonly clusters?: readonly string[];
  /** Clusters compared as configuration too: the traffic policy and how Envoy finds their endpoints. */
  readonly comparedClusters?: readonly string[];
  /** VirtualService hosts the sides under test are not given (bound elsewhere): no marker is waited for there. */
  readonly unmarkedHosts?: readonly string[];
  /** Compare which hosts and clusters the client's sidecar is given (a Sidecar narrowing its view). */
  readonly compareScope?: boolean;
}
