import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { DestinationRuleSpecTrafficPolicyLoadBalancerConsistentHash } from '../imports/istio-networking.istio.io';
import { istioDuration } from '../private/feature-support';
import { propError } from '../private/validation';

/**
 * Keeps a client on the same pods by hashing a cookie or header (DestinationRule
 * `loadBalancer.consistentHash`).
 *
 * @example StickySession.cookie('ab-session', Duration.hours(1))
 */
export class StickySession {
  /** Hash on a cookie; the sidecar sets it (with `ttl`) when the request has none. */
  public static cookie(name: string, ttl: Duration, path?: string): StickySession {
    return new StickySession(`cookie "${name}"`, scope => {
      if (name.trim() === '') {
        throw propError(scope, 'stickySession', name, 'the cookie name is empty', 'Name the cookie, e.g. "session".');
      }
      return { httpCookie: { name, ttl: istioDuration(scope, 'stickySession.ttl', ttl), ...(path ? { path } : {}) } };
    });
  }

  /** Hash on a request header, e.g. `x-user-id`. */
  public static header(name: string): StickySession {
    return new StickySession(`header "${name}"`, scope => {
      if (name.trim() === '' || name !== name.toLowerCase()) {
        throw propError(scope, 'stickySession', name, 'it must be a non-empty lowercase header name', 'Use e.g. "x-user-id".');
      }
      return { httpHeaderName: name };
    });
  }

  private constructor(
    /** What the hash is computed from, for messages. */
    public readonly description: string,
    private readonly render: (scope: IConstruct) => DestinationRuleSpecTrafficPolicyLoadBalancerConsistentHash,
  ) {}

  /**
   * The consistent hash configuration; throws naming `scope` on bad input.
   * @internal
   */
  public _render(scope: IConstruct): DestinationRuleSpecTrafficPolicyLoadBalancerConsistentHash {
    return this.render(scope);
  }
}
