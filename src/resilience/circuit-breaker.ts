import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { DestinationRuleSpecTrafficPolicy } from '../imports/istio-networking.istio.io';
import { IMeshService } from '../mesh/mesh-service';
import { istioDuration, owningService, requireInteger, requirePercentage } from '../private/feature-support';
import { propError } from '../private/validation';

/** Limits on the connections and requests to a service (DestinationRule `connectionPool`). */
export interface ConnectionPoolOptions {
  /**
   * Maximum TCP connections to each destination host.
   * @default - Envoy's default, 2^32-1
   */
  readonly maxConnections?: number;

  /**
   * TCP connect timeout.
   * @default Duration.seconds(10)
   */
  readonly connectTimeout?: Duration;

  /**
   * Maximum requests waiting for a connection.
   * @default - Envoy's default, 2^32-1
   */
  readonly http1MaxPendingRequests?: number;

  /**
   * Maximum active requests.
   * @default - Envoy's default, 2^32-1
   */
  readonly http2MaxRequests?: number;

  /**
   * Requests per connection before it is closed; 1 disables keep-alive.
   * @default - unlimited
   */
  readonly maxRequestsPerConnection?: number;

  /**
   * Maximum retries outstanding to the service at a time.
   * @default - Envoy's default, 2^32-1
   */
  readonly maxRetries?: number;

  /**
   * Idle time after which an upstream connection is closed.
   * @default Duration.hours(1)
   */
  readonly idleTimeout?: Duration;
}

/** Ejection of failing hosts from the load-balancing pool (DestinationRule `outlierDetection`). */
export interface OutlierDetectionOptions {
  /**
   * Consecutive 5xx responses (or connect failures) that eject a host.
   * @default 5
   */
  readonly consecutive5xxErrors?: number;

  /**
   * Consecutive 502/503/504 responses that eject a host.
   * @default - not checked
   */
  readonly consecutiveGatewayErrors?: number;

  /**
   * Time between ejection sweeps.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;

  /**
   * Minimum ejection time, multiplied by the number of ejections.
   * @default Duration.seconds(30)
   */
  readonly baseEjectionTime?: Duration;

  /**
   * Highest share of hosts that may be ejected, 1–100 (Istio reads 0 as unset).
   * @default 10
   */
  readonly maxEjectionPercent?: number;
}

/** Properties of a {@link CircuitBreaker}. */
export interface CircuitBreakerProps {
  /** The service protected. */
  readonly service: IMeshService;

  /**
   * Only this version (DestinationRule subset) gets the limits.
   * @default - every version
   */
  readonly version?: string;

  /**
   * Connection and request limits.
   * @default - no limits
   */
  readonly connectionPool?: ConnectionPoolOptions;

  /**
   * Ejection of failing hosts.
   * @default - no ejection
   */
  readonly outlierDetection?: OutlierDetectionOptions;
}

/**
 * Protects a service from overload and failing hosts: connection pool limits and outlier
 * detection in its DestinationRule, for the whole host or one version.
 *
 * @example
 * new CircuitBreaker(chart, 'RatingsBreaker', {
 *   service: ratings,
 *   connectionPool: { maxConnections: 100, http1MaxPendingRequests: 10 },
 *   outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(5), baseEjectionTime: Duration.seconds(30) },
 * });
 */
export class CircuitBreaker extends Construct {
  public constructor(scope: Construct, id: string, props: CircuitBreakerProps) {
    super(scope, id);
    const service = owningService(this, 'service', props.service);
    if (!props.connectionPool && !props.outlierDetection) {
      throw propError(this, 'connectionPool', undefined, 'a circuit breaker needs a connection pool or outlier detection',
        'Set connectionPool, outlierDetection or both.');
    }
    const trafficPolicy: DestinationRuleSpecTrafficPolicy = {
      ...(props.connectionPool ? { connectionPool: this.renderConnectionPool(props.connectionPool) } : {}),
      ...(props.outlierDetection ? { outlierDetection: this.renderOutlierDetection(props.outlierDetection) } : {}),
    };
    service._contributeTrafficPolicy({ contributor: this.node.path, subset: props.version, trafficPolicy });
  }

  private renderConnectionPool(pool: ConnectionPoolOptions): NonNullable<DestinationRuleSpecTrafficPolicy['connectionPool']> {
    const count = (prop: keyof ConnectionPoolOptions, value?: number) =>
      value === undefined ? undefined : requireInteger(this, `connectionPool.${prop}`, value, 1);
    const duration = (prop: keyof ConnectionPoolOptions, value?: Duration) =>
      value === undefined ? undefined : istioDuration(this, `connectionPool.${prop}`, value);
    const tcp = compact({
      maxConnections: count('maxConnections', pool.maxConnections),
      connectTimeout: duration('connectTimeout', pool.connectTimeout),
    });
    const http = compact({
      http1MaxPendingRequests: count('http1MaxPendingRequests', pool.http1MaxPendingRequests),
      http2MaxRequests: count('http2MaxRequests', pool.http2MaxRequests),
      maxRequestsPerConnection: count('maxRequestsPerConnection', pool.maxRequestsPerConnection),
      maxRetries: count('maxRetries', pool.maxRetries),
      idleTimeout: duration('idleTimeout', pool.idleTimeout),
    });
    if (!tcp && !http) {
      throw propError(this, 'connectionPool', pool, 'it sets no limit', 'Set at least one limit or remove connectionPool.');
    }
    return { ...(tcp ? { tcp } : {}), ...(http ? { http } : {}) };
  }

  private renderOutlierDetection(outlier: OutlierDetectionOptions): NonNullable<DestinationRuleSpecTrafficPolicy['outlierDetection']> {
    const count = (prop: keyof OutlierDetectionOptions, value?: number) =>
      value === undefined ? undefined : requireInteger(this, `outlierDetection.${prop}`, value, 1);
    const duration = (prop: keyof OutlierDetectionOptions, value?: Duration) =>
      value === undefined ? undefined : istioDuration(this, `outlierDetection.${prop}`, value);
    if (outlier.maxEjectionPercent === 0) {
      throw propError(this, 'outlierDetection.maxEjectionPercent', 0,
        'Istio cannot tell 0 from unset and ejects up to Envoy\'s default of 10 % instead',
        'Set a percentage from 1 to 100, or leave it out for the default of 10 %.');
    }
    const rendered = compact({
      consecutive5XxErrors: count('consecutive5xxErrors', outlier.consecutive5xxErrors),
      consecutiveGatewayErrors: count('consecutiveGatewayErrors', outlier.consecutiveGatewayErrors),
      interval: duration('interval', outlier.interval),
      baseEjectionTime: duration('baseEjectionTime', outlier.baseEjectionTime),
      maxEjectionPercent: outlier.maxEjectionPercent === undefined ? undefined
        : requireInteger(this, 'outlierDetection.maxEjectionPercent',
          requirePercentage(this, 'outlierDetection.maxEjectionPercent', outlier.maxEjectionPercent), 0),
    });
    if (!rendered) {
      throw propError(this, 'outlierDetection', outlier, 'it sets nothing', 'Set at least one threshold or remove outlierDetection.');
    }
    return rendered;
  }
}

/** The object without its undefined fields, or undefined when nothing is left. */
function compact<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, field]) => field !== undefined);
  return entries.length > 0 ? Object.fromEntries(entries) as T : undefined;
}
