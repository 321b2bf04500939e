import type { HttpFaultInjection, HttpRetry } from '../../src/push/istio-spec';
import { translateRetries } from '../../src/xds/translate/route-action';
import { translateFilterOverrides } from '../../src/xds/translate/route-decorations';
import { findResource } from '../support/simulate';
import { TYPE_URLS } from '../../src/push/contract';
import { generateProxyResources } from '../../src/xds/generators';
import { BOOKINFO, detailsRoutes, loadPushContext, productpageProxy } from './fixture-loader';

const FAULT = 'envoy.filters.http.fault';
const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** Istio retries on a host not tried yet, picking again up to five times. */
const OTHER_HOST = {
  retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
  host_selection_retry_max_attempts: 5,
};

describe('retry, timeout and fault translation', () => {
  test.each<[string, HttpRetry | undefined, Record<string, unknown> | undefined]>([
    ['no retries block: Istio\'s default policy', undefined, { retry_on: ISTIO_DEFAULT_RETRY_ON, num_retries: 2, ...OTHER_HOST }],
    ['attempts 0: retries off', { attempts: 0, retryOn: '5xx' }, undefined],
    ['attempts only: default conditions', { attempts: 4 }, { retry_on: ISTIO_DEFAULT_RETRY_ON, num_retries: 4, ...OTHER_HOST }],
    ['an empty retryOn: default conditions', { attempts: 1, retryOn: '' }, { retry_on: ISTIO_DEFAULT_RETRY_ON, num_retries: 1, ...OTHER_HOST }],
    ['conditions and per-try timeout', { attempts: 3, perTryTimeout: '250ms', retryOn: 'gateway-error,reset' },
      { retry_on: 'gateway-error,reset', num_retries: 3, per_try_timeout: '0.25s', ...OTHER_HOST }],
    ['status codes among conditions', { attempts: 2, retryOn: '5xx, 503,409' },
      { retry_on: '5xx,retriable-status-codes', num_retries: 2, retriable_status_codes: [503, 409], ...OTHER_HOST }],
    ['retryIgnorePreviousHosts false: any host', { attempts: 2, retryIgnorePreviousHosts: false },
      { retry_on: ISTIO_DEFAULT_RETRY_ON, num_retries: 2, host_selection_retry_max_attempts: 5 }],
    ['a backoff', { attempts: 2, retryOn: '5xx', backoff: '40ms' },
      { retry_on: '5xx', num_retries: 2, ...OTHER_HOST, retry_back_off: { base_interval: '0.04s' } }],
  ])('GIVEN %s WHEN translated THEN the Envoy retry policy matches Istio', (_, retries, expected) => {
    expect(translateRetries(retries, 'VirtualService shop/web spec.http[0].retries')).toEqual(expected);
  });

  test('GIVEN a route that hashes to one host WHEN translated THEN retries may stay on it, unless retryIgnorePreviousHosts asks otherwise', () => {
    const field = 'VirtualService shop/web spec.http[0].retries';
    expect(translateRetries(undefined, field, true)).toEqual({ retry_on: ISTIO_DEFAULT_RETRY_ON, num_retries: 2, host_selection_retry_max_attempts: 5 });
    expect(translateRetries({ attempts: 3, retryOn: '5xx' }, field, true)).toEqual({ retry_on: '5xx', num_retries: 3, host_selection_retry_max_attempts: 5 });
    expect(translateRetries({ attempts: 3, retryOn: '5xx', retryIgnorePreviousHosts: true }, field, true)).toEqual({ retry_on: '5xx', num_retries: 3, ...OTHER_HOST });
  });

  test('GIVEN a malformed per-try timeout WHEN translated THEN the error names the field and the fix', () => {
    expect(() => translateRetries({ attempts: 1, perTryTimeout: 'soon' }, 'VirtualService shop/web spec.http[0].retries'))
      .toThrow("VirtualService shop/web spec.http[0].retries.perTryTimeout is 'soon', which is not a duration; use forms like '5s'");
  });

  test.each<[string, HttpFaultInjection, Record<string, unknown>]>([
    ['a delay for half the requests', { delay: { fixedDelay: '200ms', percentage: { value: 50 } } },
      { delay: { fixed_delay: '0.2s', percentage: { numerator: 500000, denominator: 'MILLION' } } }],
    ['a delay by the deprecated integer percent', { delay: { fixedDelay: '1s', percent: 10 } },
      { delay: { fixed_delay: '1s', percentage: { numerator: 100000, denominator: 'MILLION' } } }],
    ['an HTTP abort', { abort: { httpStatus: 500, percentage: { value: 100 } } },
      { abort: { http_status: 500, percentage: { numerator: 1000000, denominator: 'MILLION' } } }],
    ['a gRPC abort by status name', { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 25 } } },
      { abort: { grpc_status: 14, percentage: { numerator: 250000, denominator: 'MILLION' } } }],
    ['delay and abort together', { delay: { fixedDelay: '1s' }, abort: { httpStatus: 503 } }, {
      delay: { fixed_delay: '1s', percentage: { numerator: 1000000, denominator: 'MILLION' } },
      abort: { http_status: 503, percentage: { numerator: 1000000, denominator: 'MILLION' } },
    }],
  ])('GIVEN %s WHEN translated THEN the route overrides the fault filter with it', (_, fault, expected) => {
    const overrides = translateFilterOverrides(fault, undefined, 'VirtualService shop/web spec.http[0]') as Record<string, any>;
    expect(overrides[FAULT]).toEqual({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', ...expected });
  });

  test('GIVEN an unknown gRPC status WHEN translated THEN the error names the field and lists a valid name', () => {
    expect(() => translateFilterOverrides({ abort: { grpcStatus: 'BROKEN' } }, undefined, 'VirtualService shop/web spec.http[0]'))
      .toThrow("VirtualService shop/web spec.http[0].fault.abort.grpcStatus is 'BROKEN'; use a gRPC status name such as UNAVAILABLE");
  });

  test.each([
    ['a route timeout', 'timeout: 1500ms', '1.5s'],
    ['no timeout: Istio means none, not Envoy\'s 15s', '', '0s'],
  ])('GIVEN %s WHEN routes are generated THEN the Envoy route timeout follows, and caps the gRPC timeout header alike', (_, timeoutLine, expected) => {
    const [route] = detailsRoutes(`
  - name: main
    ${timeoutLine}
    route: [{ destination: { host: details } }]`);
    expect([route.route.timeout, route.route.max_grpc_timeout]).toEqual([expected, expected]);
  });
});
