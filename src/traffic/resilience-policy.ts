import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { VirtualServiceSpecHttp } from '../imports/istio-networking.istio.io';
import { IMeshService } from '../mesh/mesh-service';
import { istioDuration, owningService, requireInteger } from '../private/feature-support';
import { propError } from '../private/validation';

/** A condition under which a failed request is retried (Envoy `retry_on`). */
export enum RetryOn {
  /** Any 5xx response, connect failure or reset. */
  SERVER_ERROR = '5xx',
  /** 502, 503 or 504 responses. */
  GATEWAY_ERROR = 'gateway-error',
  /** Connection failures and timeouts while connecting. */
  CONNECT_FAILURE = 'connect-failure',
  /** The upstream reset the connection or stream. */
  RESET = 'reset',
  /** The upstream refused the stream (HTTP/2 REFUSED_STREAM). */
  REFUSED_STREAM = 'refused-stream',
  /** 409 responses. */
  RETRIABLE_4XX = 'retriable-4xx',
  /** gRPC status CANCELLED. */
  GRPC_CANCELLED = 'cancelled',
  /** gRPC status DEADLINE_EXCEEDED. */
  GRPC_DEADLINE_EXCEEDED = 'deadline-exceeded',
  /** gRPC status RESOURCE_EXHAUSTED. */
  GRPC_RESOURCE_EXHAUSTED = 'resource-exhausted',
  /** gRPC status UNAVAILABLE. */
  GRPC_UNAVAILABLE = 'unavailable',
}

/** How failed requests are retried. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 disables retries. */
  readonly attempts: number;

  /**
   * Timeout of each attempt.
   * @default - the route timeout
   */
  readonly perTryTimeout?: Duration;

  /**
   * Conditions that trigger a retry (a set: duplicates are dropped, order is normalized).
   * @default - Istio's default: connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes
   */
  readonly retryOn?: RetryOn[];
}

/** Properties of a {@link ResiliencePolicy}. */
export interface ResiliencePolicyProps {
  /** The service whose routes get the policy. */
  readonly service: IMeshService;

  /**
   * Only routes sending all their requests to this version get the policy.
   * @default - every route of the service
   */
  readonly version?: string;

  /**
   * Retries of failed requests.
   * @default - Istio's default retries
   */
  readonly retries?: RetryOptions;

  /**
   * Timeout of a whole request, retries included.
   * @default - no timeout
   */
  readonly timeout?: Duration;
}

/**
 * Retries and timeouts of the requests to a service (VirtualService `retries` and `timeout`).
 *
 * @example
 * new ResiliencePolicy(chart, 'RatingsResilience', {
 *   service: ratings, timeout: Duration.seconds(2),
 *   retries: { attempts: 3, perTryTimeout: Duration.millis(500), retryOn: [RetryOn.GATEWAY_ERROR, RetryOn.RESET] },
 * });
 */
export class ResiliencePolicy extends Construct {
  public constructor(scope: Construct, id: string, props: ResiliencePolicyProps) {
    super(scope, id);
    const service = owningService(this, 'service', props.service);
    if (!props.retries && !props.timeout) {
      throw propError(this, 'retries', undefined, 'a resilience policy needs retries or a timeout', 'Set retries, timeout or both.');
    }
    const policy: VirtualServiceSpecHttp = {
      ...(props.retries ? { retries: this.renderRetries(props.retries) } : {}),
      ...(props.timeout ? { timeout: istioDuration(this, 'timeout', props.timeout) } : {}),
    };
    const perTry = props.retries?.perTryTimeout?.toMilliseconds();
    if (perTry !== undefined && props.timeout && perTry > props.timeout.toMilliseconds()) {
      throw propError(this, 'retries.perTryTimeout', policy.retries?.perTryTimeout, `it is longer than 'timeout' (${policy.timeout}), so no retry could ever run`,
        'Make perTryTimeout shorter than timeout.');
    }
    service._contributeRoutePolicy({ contributor: this.node.path, policy, subset: props.version });
  }

  private renderRetries(retries: RetryOptions): NonNullable<VirtualServiceSpecHttp['retries']> {
    requireInteger(this, 'retries.attempts', retries.attempts, 0);
    const retryOn = [...new Set(retries.retryOn ?? [])].sort();
    return {
      attempts: retries.attempts,
      ...(retries.perTryTimeout ? { perTryTimeout: istioDuration(this, 'retries.perTryTimeout', retries.perTryTimeout) } : {}),
      ...(retryOn.length > 0 ? { retryOn: retryOn.join(',') } : {}),
    };
  }
}
