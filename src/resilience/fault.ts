import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { VirtualServiceSpecHttpFaultAbort, VirtualServiceSpecHttpFaultDelay } from '../imports/istio-networking.istio.io';
import { istioDuration, requirePercentage } from '../private/feature-support';
import { propError } from '../private/validation';

/** gRPC status codes a fault can return. */
export enum GrpcStatus {
  CANCELLED = 'CANCELLED',
  UNKNOWN = 'UNKNOWN',
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED',
  NOT_FOUND = 'NOT_FOUND',
  ALREADY_EXISTS = 'ALREADY_EXISTS',
  PERMISSION_DENIED = 'PERMISSION_DENIED',
  RESOURCE_EXHAUSTED = 'RESOURCE_EXHAUSTED',
  FAILED_PRECONDITION = 'FAILED_PRECONDITION',
  ABORTED = 'ABORTED',
  OUT_OF_RANGE = 'OUT_OF_RANGE',
  UNIMPLEMENTED = 'UNIMPLEMENTED',
  INTERNAL = 'INTERNAL',
  UNAVAILABLE = 'UNAVAILABLE',
  DATA_LOSS = 'DATA_LOSS',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
}

/** A delay injected before requests are forwarded. */
export interface DelayFault {
  /** How long each affected request waits. */
  readonly fixedDelay: Duration;

  /**
   * Share of requests delayed, 0–100.
   * @default 100
   */
  readonly percentage?: number;
}

/**
 * Requests answered with an error instead of being forwarded.
 *
 * @example AbortFault.httpStatus(503, 50)
 */
export class AbortFault {
  /** Answers with an HTTP status (200–599) for `percentage` % of requests (default 100). */
  public static httpStatus(status: number, percentage?: number): AbortFault {
    return new AbortFault(`HTTP ${status}`, percentage, scope => {
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw propError(scope, 'abort', status, 'an HTTP status must be an integer between 200 and 599', 'Use e.g. 503.');
      }
      return { httpStatus: status };
    });
  }

  /** Answers with a gRPC status for `percentage` % of requests (default 100). */
  public static grpcStatus(status: GrpcStatus, percentage?: number): AbortFault {
    return new AbortFault(`gRPC ${status}`, percentage, () => ({ grpcStatus: status }));
  }

  private constructor(
    /** The error returned, for messages. */
    public readonly description: string,
    private readonly percentage: number | undefined,
    private readonly renderStatus: (scope: IConstruct) => VirtualServiceSpecHttpFaultAbort,
  ) {}

  /**
   * The Istio abort fault; throws naming `scope` on bad input.
   * @internal
   */
  public _render(scope: IConstruct): VirtualServiceSpecHttpFaultAbort {
    const value = requirePercentage(scope, 'abort.percentage', this.percentage ?? 100);
    return { ...this.renderStatus(scope), percentage: { value } };
  }
}

/** The Istio delay fault; throws naming `scope` on bad input. */
export function renderDelay(scope: IConstruct, delay: DelayFault): VirtualServiceSpecHttpFaultDelay {
  return {
    fixedDelay: istioDuration(scope, 'delay.fixedDelay', delay.fixedDelay),
    percentage: { value: requirePercentage(scope, 'delay.percentage', delay.percentage ?? 100) },
  };
}
