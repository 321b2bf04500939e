/**
 * One Kubernetes Event about an object, created under a name the caller derives from what happened,
 * so replicas reporting the same occurrence create it once: the second create gets 409 Conflict,
 * which counts as recorded. Used for rejections and for rollout transitions.
 */
import type * as k8s from '@kubernetes/client-node';
import { httpStatusOf } from './http-status';
import { RECONCILER_FIELD_MANAGER } from '../model';

/** The object an Event is about, as `involvedObject`. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

export type EventApi = Pick<k8s.CoreV1Api, 'createNamespacedEvent'>;

export interface ObjectEvent {
  /** Unique per occurrence and the same on every replica. */
  readonly name: string;
  readonly object: InvolvedObject;
  readonly reason: string;
  readonly message: string;
  readonly type: 'Normal' | 'Warning';
  /** This replica, e.g. its pod name. */
  readonly reportingInstance: string;
  readonly at: Date;
}

/** Creates the Event; resolves `created`, or `exists` when a replica created it first; throws any other failure. */
export async function createObjectEvent(api: EventApi, event: ObjectEvent): Promise<'created' | 'exists'> {
  const at = event.at.toISOString();
  const body: k8s.CoreV1Event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: event.name, namespace: event.object.namespace },
    involvedObject: { ...event.object },
    reason: event.reason,
    message: event.message,
    type: event.type,
    count: 1,
    firstTimestamp: at as unknown as Date,
    lastTimestamp: at as unknown as Date,
    source: { component: RECONCILER_FIELD_MANAGER },
    reportingComponent: RECONCILER_FIELD_MANAGER,
    reportingInstance: event.reportingInstance,
  };
  try {
    await api.createNamespacedEvent({ namespace: event.object.namespace, body });
    return 'created';
  } catch (error) {
    if (httpStatusOf(error) === 409) return 'exists';
    throw error;
  }
}
