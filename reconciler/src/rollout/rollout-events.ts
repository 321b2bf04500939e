/**
 * Kubernetes mode: an Event on the VirtualService for every rollout transition (started, step
 * advanced, waiting for traffic, rolled back with the reason, promoted, paused, resumed, aborted),
 * so `kubectl describe virtualservice` and Argo CD's resource view tell the rollout's story. The
 * name is derived from the rollout, its plan and the transition, so a new leader repeating the
 * announcement of a transition its predecessor recorded creates nothing new (409 Conflict).
 */
import { createHash } from 'crypto';
import { describeApiError } from '../config/http-status';
import { createObjectEvent, EventApi, InvolvedObject } from '../config/object-event';
import type { DeclaredRollout } from './declared-rollout';
import type { RolloutTransition } from './rollout-transition';

export interface RolloutEventRecorderOptions {
  /** The VirtualService as the API knows it (with its uid), or undefined when it is not in the API. */
  readonly lookup: (namespace: string, name: string) => InvolvedObject | undefined;
  /** This replica, e.g. its pod name. */
  readonly reportingInstance: string;
  readonly onRecorded?: (object: InvolvedObject) => void;
  readonly onError?: (message: string) => void;
  readonly clock?: () => Date;
}

/** Kubernetes caps what `kubectl describe` shows. */
const MAX_MESSAGE = 1024;

export class RolloutEventRecorder {
  constructor(private readonly api: EventApi, private readonly options: RolloutEventRecorderOptions) {}

  /** Records `transition` on the rollout's VirtualService; failures are reported, never thrown. */
  async record(rollout: DeclaredRollout, transition: RolloutTransition): Promise<void> {
    const object = this.options.lookup(rollout.namespace, rollout.virtualService);
    if (!object) return;
    const message = transition.message.length <= MAX_MESSAGE ? transition.message : `${transition.message.slice(0, MAX_MESSAGE - 1)}…`;
    try {
      const outcome = await createObjectEvent(this.api, {
        name: rolloutEventName(object, rollout, transition), object, reason: transition.reason, message, type: transition.type,
        reportingInstance: this.options.reportingInstance, at: this.options.clock?.() ?? new Date(),
      });
      if (outcome === 'created') this.options.onRecorded?.(object);
    } catch (error) {
      this.options.onError?.(`recording a ${transition.reason} Event on VirtualService ${object.namespace}/${object.name} failed: ${describeApiError(error)}; `
        + 'the transition is still in /debug/rollouts');
    }
  }
}

/** `<virtualservice>.mesh-rollout.<hash>`: one name per rollout, plan, transition and the moment it took effect. */
export function rolloutEventName(object: InvolvedObject, rollout: DeclaredRollout, transition: RolloutTransition): string {
  const record = transition.record;
  const moment = transition.reason === 'RolloutWaitingForTraffic' ? record.waitingSince : record.history.at(-1)?.at ?? record.stepStartedAt;
  const hash = createHash('sha256')
    .update([object.uid ?? '', rollout.key, rollout.planDigest, transition.reason, record.step, record.phase, moment].join('\0'))
    .digest('hex').slice(0, 12);
  return `${object.name.slice(0, 253 - 27)}.mesh-rollout.${hash}`;
}
