/**
 * What differs between the directory and Kubernetes modes: where config comes from, where the CA
 * and the last accepted versions are kept, who may connect, and what runs once the reconciler serves.
 */
import type { LastAcceptedStore } from './config/last-accepted-store';
import type { ConfigSource } from './config/source';
import type { Leadership } from './leadership/leadership';
import type { RejectedObject } from './push/contract';
import type { DeclaredRollout } from './rollout/declared-rollout';
import type { RolloutStateStore } from './rollout/rollout-state-store';
import type { RolloutTransition } from './rollout/rollout-transition';
import type { Reconciler, RolloutPeers } from './reconciler';
import type { CaStore } from './security/ca-store';
import type { XdsServingCredentials } from './security/serving-credentials';
import type { ProxyAuthenticator } from './xds/ads/proxy-authentication';

/** Handed to `afterStart`: the running reconciler and its credentials. */
export interface ServingContext {
  readonly reconciler: Reconciler;
  readonly serving: XdsServingCredentials;
  readonly rootCertificatePem: string;
}

export interface ModeBackends {
  readonly source: ConfigSource;
  readonly caStore: CaStore;
  readonly authenticator: ProxyAuthenticator;
  readonly lastAccepted?: LastAcceptedStore;
  /** Where rollout state is kept; without one, declared rollouts are not executed. */
  readonly rolloutState?: RolloutStateStore;
  /** Which replica executes rollouts (Kubernetes mode); without one, this process does. */
  readonly rolloutLeadership?: Leadership;
  /** The other replicas, whose canary totals the rollout leader adds to its own (Kubernetes mode). */
  readonly rolloutPeers?: RolloutPeers;
  /** Receives each saved rollout transition (Kubernetes mode records it as an Event). */
  readonly onRolloutTransition?: (rollout: DeclaredRollout, transition: RolloutTransition) => void;
  readonly onRejected?: (rejected: readonly RejectedObject[]) => void;
  /** Starts what needs the running reconciler; resolves with its stop function, if any. */
  readonly afterStart?: (context: ServingContext) => Promise<(() => Promise<void>) | undefined>;
}
