/**
 * Kubernetes mode: a Warning Event on every object the reconciler rejects, so `kubectl describe`
 * and Argo CD's resource view show why the object is not served. The Event name is derived from the
 * object and the message, so replicas that reject the same object create it once (the second create
 * gets 409 Conflict) and an unchanged rejection is not recorded again on every push.
 */
import { createHash } from 'crypto';
import { describeApiError } from './http-status';
import { createObjectEvent, EventApi, InvolvedObject } from './object-event';
import type { RejectedObject } from '../push/contract';

export type { EventApi, InvolvedObject } from './object-event';

export interface RejectionEventRecorderOptions {
  /** The API object a rejection refers to, or undefined when it is not (or no longer) in the API. */
  readonly lookup: (rejection: RejectedObject) => InvolvedObject | undefined;
  /** This replica, e.g. its pod name. */
  readonly reportingInstance: string;
  readonly onError?: (object: InvolvedObject, error: Error) => void;
  readonly onRecorded?: (object: InvolvedObject) => void;
  readonly clock?: () => Date;
}

/** Kubernetes caps what `kubectl describe` shows; a longer reason is cut with its length. */
const MAX_MESSAGE = 1024;

export class RejectionEventRecorder {
  /** Event names recorded (or found recorded) for the rejections currently in effect. */
  private recorded = new Set<string>();

  constructor(private readonly api: EventApi, private readonly options: RejectionEventRecorderOptions) {}

  /** Records an Event for each rejection not recorded yet; resolves when every create has answered. */
  async record(rejected: readonly RejectedObject[]): Promise<void> {
    const current = new Set<string>();
    const creates: Promise<void>[] = [];
    for (const rejection of rejected) {
      const object = this.options.lookup(rejection);
      if (!object) continue;
      const message = eventMessage(rejection.reasons);
      const name = eventName(object, message);
      current.add(name);
      if (this.recorded.has(name)) continue;
      creates.push(this.create(name, object, message));
    }
    // A rejection that went away and comes back later is a new occurrence.
    this.recorded = new Set([...this.recorded].filter((name) => current.has(name)));
    await Promise.all(creates);
  }

  private async create(name: string, object: InvolvedObject, message: string): Promise<void> {
    try {
      const outcome = await createObjectEvent(this.api, {
        name, object, reason: 'Rejected', message, type: 'Warning', reportingInstance: this.options.reportingInstance, at: this.options.clock?.() ?? new Date(),
      });
      this.recorded.add(name); // created here, or by another replica
      if (outcome === 'created') this.options.onRecorded?.(object);
    } catch (error) {
      this.options.onError?.(object, new Error(`recording a Warning Event on ${object.kind} ${object.namespace}/${object.name} failed`
        + `: ${describeApiError(error)}; the rejection is still in /debug/rejected`));
    }
  }
}

function eventMessage(reasons: readonly string[]): string {
  const text = reasons.join('; ');
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 40)}… (${text.length} characters; see /debug/rejected)`;
}

/** `<object name>.mesh-rejected.<hash>`: stable across replicas for the same object and message. */
function eventName(object: InvolvedObject, message: string): string {
  const hash = createHash('sha256').update(`${object.uid ?? ''}\0${object.kind}\0${object.namespace}\0${object.name}\0${message}`).digest('hex').slice(0, 12);
  return `${object.name.slice(0, 253 - 28)}.mesh-rejected.${hash}`;
}
