import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AbortFault, DelayFault, renderDelay } from './fault';
import { VirtualServiceSpecHttpFault } from '../imports/istio-networking.istio.io';
import { IMeshService } from '../mesh/mesh-service';
import { CHAOS_WINDOW_ANNOTATION } from '../model';
import { FeatureRoutePriority, istioDuration, nameFromId, owningService } from '../private/feature-support';
import { propError } from '../private/validation';
import { HttpMatch, renderMatchBlock } from '../traffic/http-match';


/** ISO 8601 date-time with a time zone, e.g. `2024-05-01T09:00:00Z`. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Properties of a {@link ChaosExperiment}. */
export interface ChaosExperimentProps {
  /** The service whose requests get the fault. */
  readonly service: IMeshService;

  /**
   * Only requests to this version get the fault: with `match`, matching requests are sent to
   * it; without, the fault goes on the routes that send every request to it.
   * @default - every version
   */
  readonly version?: string;

  /**
   * Delay injected before forwarding.
   * @default - no delay
   */
  readonly delay?: DelayFault;

  /**
   * Error returned instead of forwarding.
   * @default - no abort
   */
  readonly abort?: AbortFault;

  /**
   * Only requests meeting all these conditions get the fault (e.g. test users or one caller).
   * @default - every request
   */
  readonly match?: HttpMatch[];

  /**
   * Start of the experiment window (ISO 8601 with a time zone). The window is declared in the
   * `mesh.cdk8s.io/chaos-window` annotation so the reconciler drops the fault when it ends.
   * @default - no window: the fault stays until the code changes
   */
  readonly startTime?: string;

  /**
   * Length of the experiment window; required with `startTime`.
   * @default - no window
   */
  readonly duration?: Duration;
}

/**
 * Injects delays and errors into the requests to a service, optionally only for matching
 * requests, one version, and a time window.
 *
 * @example
 * new ChaosExperiment(chart, 'RatingsDelay', {
 *   service: ratings,
 *   match: [HttpMatch.header('end-user').exact('jason')],
 *   delay: { fixedDelay: Duration.seconds(7) },
 *   startTime: '2024-05-01T09:00:00Z', duration: Duration.hours(1),
 * });
 */
export class ChaosExperiment extends Construct {
  /** Name of the fault's own route, when it has a match. */
  public readonly routeName?: string;

  public constructor(scope: Construct, id: string, props: ChaosExperimentProps) {
    super(scope, id);
    const service = owningService(this, 'service', props.service);
    if (!props.delay && !props.abort) {
      throw propError(this, 'delay', undefined, 'a chaos experiment needs a delay, an abort or both', 'Set delay and/or abort.');
    }
    const fault: VirtualServiceSpecHttpFault = {
      ...(props.delay ? { delay: renderDelay(this, props.delay) } : {}),
      ...(props.abort ? { abort: props.abort._render(this) } : {}),
    };
    const window = this.window(props);
    const block = renderMatchBlock(this, 'match', props.match ?? []);
    let routeNames: () => string[];
    if (block) {
      const routeName = nameFromId(id);
      this.routeName = routeName;
      service._contributeRoute({
        contributor: this.node.path,
        priority: FeatureRoutePriority.CHAOS_MATCHED,
        http: {
          name: routeName,
          match: [block],
          fault,
          // Without a version the matched requests keep going where the catch-all route sends them.
          ...(props.version ? { route: [{ destination: { host: service.fqdn, subset: props.version } }] } : {}),
        },
      });
      routeNames = () => [routeName];
    } else {
      const policy = { contributor: this.node.path, policy: { fault }, subset: props.version };
      service._contributeRoutePolicy(policy);
      routeNames = () => service._routeNamesOf(policy);
    }
    if (window) {
      service._contributeAnnotation({
        contributor: this.node.path,
        key: CHAOS_WINDOW_ANNOTATION,
        list: true,
        value: () => routeNames().map(route => ({ route, ...window })),
      });
    }
  }

  private window(props: ChaosExperimentProps): { start: string; end: string } | undefined {
    if (props.startTime === undefined && props.duration === undefined) {
      return undefined;
    }
    if (props.startTime === undefined || props.duration === undefined) {
      const missing = props.startTime === undefined ? 'startTime' : 'duration';
      throw propError(this, missing, undefined, 'a time window needs both startTime and duration', `Set ${missing} too, or neither.`);
    }
    const start = Date.parse(props.startTime);
    if (!ISO_DATE_TIME.test(props.startTime) || Number.isNaN(start)) {
      throw propError(this, 'startTime', props.startTime, 'it must be an ISO 8601 date-time with a time zone',
        'Use e.g. "2024-05-01T09:00:00Z".');
    }
    istioDuration(this, 'duration', props.duration);
    return { start: new Date(start).toISOString(), end: new Date(start + props.duration.toMilliseconds()).toISOString() };
  }
}
