import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { IMeshService } from '../mesh/mesh-service';
import {
  DEFAULT_ROLLOUT_MIN_REQUESTS, DEFAULT_ROLLOUT_TRAFFIC_WAIT_LIMIT, ROLLOUT_ANNOTATION, RolloutPlan, RolloutPlanStep,
} from '../model';
import {
  FeatureRoutePriority, istioDuration, nameFromId, owningService, requireInteger, requirePercentage,
} from '../private/feature-support';
import { propError } from '../private/validation';

/** A request header that sends a request to the canary whatever the weights. */
export interface CanaryHeader {
  /** Header name (lowercase). */
  readonly name: string;
  /** Exact header value. */
  readonly value: string;
}

/** One step of a progressive rollout, with the health the canary must show to go further. */
export interface RolloutStep {
  /** Canary weight of this step, 0–100; steps must increase. */
  readonly weight: number;

  /** How long to hold this weight before the canary is judged. */
  readonly pause: Duration;

  /**
   * Highest acceptable share of failed requests of the canary, in percent.
   * @default - not checked
   */
  readonly maxErrorRate?: number;

  /**
   * Lowest acceptable share of successful requests of the canary, in percent.
   * @default - not checked
   */
  readonly minSuccessRate?: number;

  /**
   * Highest acceptable 99th percentile latency of the canary.
   * @default - not checked
   */
  readonly maxP99Latency?: Duration;
}

/** Properties of a {@link CanaryRelease}. */
export interface CanaryReleaseProps {
  /** The service being released. */
  readonly service: IMeshService;

  /** Version serving most of the traffic. */
  readonly stable: string;

  /** Version being released. */
  readonly canary: string;

  /** Share of requests sent to the canary now (the start weight of a stepped rollout), 0–100. */
  readonly canaryWeight: number;

  /**
   * Requests carrying this header always go to the canary, e.g. for testers.
   * @default - none
   * @example { name: 'x-canary', value: 'always' }
   */
  readonly alwaysCanaryHeader?: CanaryHeader;

  /**
   * Rollout steps the reconciler executes in the routes it serves (the VirtualService keeps `canaryWeight`).
   * @default - no plan: the weight changes only when the code changes
   */
  readonly steps?: RolloutStep[];

  /**
   * Requests the canary must answer within a step before it is judged (with fewer, the step waits for traffic).
   * @default 100
   */
  readonly minRequests?: number;

  /**
   * How long a step may wait for `minRequests` after its pause before the rollout fails.
   * @default Duration.minutes(5)
   */
  readonly trafficWaitLimit?: Duration;
}

/**
 * Splits a service's traffic between a stable and a canary version by weight, optionally
 * forcing the canary by header and declaring a stepped rollout plan with health thresholds,
 * which the reconciler executes in the routes it serves.
 *
 * @example
 * new CanaryRelease(chart, 'ReviewsCanary', {
 *   service: reviews, stable: 'v1', canary: 'v2', canaryWeight: 10,
 *   alwaysCanaryHeader: { name: 'x-canary', value: 'always' },
 *   steps: [{ weight: 50, pause: Duration.minutes(10), maxErrorRate: 1 }, { weight: 100, pause: Duration.minutes(10) }],
 * });
 */
export class CanaryRelease extends Construct {
  /** Name of the weighted route in the VirtualService. */
  public readonly routeName: string;

  public constructor(scope: Construct, id: string, props: CanaryReleaseProps) {
    super(scope, id);
    const service = owningService(this, 'service', props.service);
    if (props.stable === props.canary) {
      throw propError(this, 'canary', props.canary, 'it is the same version as \'stable\'', 'Name two different versions.');
    }
    const canaryWeight = requireInteger(this, 'canaryWeight', requirePercentage(this, 'canaryWeight', props.canaryWeight), 0);
    const steps = (props.steps ?? []).map((step, index) => this.renderStep(step, index, index === 0 ? canaryWeight : props.steps![index - 1].weight));
    this.routeName = nameFromId(id);

    const destination = (subset: string, weight: number) => ({ destination: { host: service.fqdn, subset }, weight });
    service._contributeRoute({
      contributor: this.node.path,
      priority: FeatureRoutePriority.CATCH_ALL,
      http: { name: this.routeName, route: [destination(props.stable, 100 - canaryWeight), destination(props.canary, canaryWeight)] },
    });
    if (props.alwaysCanaryHeader) {
      const header = props.alwaysCanaryHeader;
      if (header.name.trim() === '' || header.name !== header.name.toLowerCase()) {
        throw propError(this, 'alwaysCanaryHeader.name', header.name, 'it must be a non-empty lowercase header name', 'Use e.g. "x-canary".');
      }
      service._contributeRoute({
        contributor: this.node.path,
        priority: FeatureRoutePriority.CANARY_HEADER,
        http: {
          name: `${this.routeName}-always-canary`,
          match: [{ headers: { [header.name]: { exact: header.value } } }],
          route: [{ destination: { host: service.fqdn, subset: props.canary } }],
        },
      });
    }
    if (steps.length > 0) {
      const plan: RolloutPlan = {
        route: this.routeName,
        stable: props.stable,
        canary: props.canary,
        startWeight: canaryWeight,
        minRequests: props.minRequests === undefined ? DEFAULT_ROLLOUT_MIN_REQUESTS : requireInteger(this, 'minRequests', props.minRequests, 1),
        trafficWaitLimit: props.trafficWaitLimit === undefined ? DEFAULT_ROLLOUT_TRAFFIC_WAIT_LIMIT : istioDuration(this, 'trafficWaitLimit', props.trafficWaitLimit),
        steps,
      };
      service._contributeAnnotation({ contributor: this.node.path, key: ROLLOUT_ANNOTATION, list: false, value: () => plan });
    }
  }

  private renderStep(step: RolloutStep, index: number, previousWeight: number): RolloutPlanStep {
    const prop = `steps[${index}]`;
    requireInteger(this, `${prop}.weight`, requirePercentage(this, `${prop}.weight`, step.weight), 0);
    if (step.weight <= previousWeight) {
      throw propError(this, `${prop}.weight`, step.weight, `it must be greater than the previous weight ${previousWeight}`,
        'List steps in increasing weight, starting above canaryWeight.');
    }
    return {
      weight: step.weight,
      pause: istioDuration(this, `${prop}.pause`, step.pause),
      ...(step.maxErrorRate !== undefined ? { maxErrorRate: requirePercentage(this, `${prop}.maxErrorRate`, step.maxErrorRate) } : {}),
      ...(step.minSuccessRate !== undefined ? { minSuccessRate: requirePercentage(this, `${prop}.minSuccessRate`, step.minSuccessRate) } : {}),
      ...(step.maxP99Latency !== undefined ? { maxP99Latency: istioDuration(this, `${prop}.maxP99Latency`, step.maxP99Latency) } : {}),
    };
  }
}
