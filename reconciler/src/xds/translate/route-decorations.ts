/** Per-route additions beside the action: fault injection, header edits and CORS. */
import type { CorsPolicy, HeaderOperations, Headers, HttpFaultInjection } from '../../push/istio-spec';
import { toProtoDuration } from './duration';
import { CORS_FILTER, FAULT_FILTER } from './envoy-extensions';
import { toFractionalPercent } from './percent';
import { stringMatcher } from './route-match';

/** gRPC status names Istio accepts in `abort.grpcStatus`, by their numeric code. */
const GRPC_STATUS_CODES: Record<string, number> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** `typed_per_filter_config` entries for fault injection and CORS; the HCM always carries both filters. */
export function translateFilterOverrides(fault: HttpFaultInjection | undefined, cors: CorsPolicy | undefined, field: string): Record<string, unknown> | undefined {
  const overrides: Record<string, unknown> = {};
  if (fault && (fault.delay || fault.abort)) {
    overrides[FAULT_FILTER.name] = translateFault(fault, `${field}.fault`);
  }
  if (cors) {
    overrides[CORS_FILTER.name] = translateCors(cors, `${field}.corsPolicy`);
  }
  return Object.keys(overrides).length > 0 ? overrides : undefined;
}

function translateFault(fault: HttpFaultInjection, field: string): Record<string, unknown> {
  const config: Record<string, unknown> = { '@type': FAULT_FILTER.type };
  if (fault.delay?.fixedDelay) {
    config.delay = {
      fixed_delay: toProtoDuration(fault.delay.fixedDelay, `${field}.delay.fixedDelay`),
      // `percent` is Istio's deprecated integer form of `percentage`.
      percentage: toFractionalPercent(fault.delay.percentage?.value ?? fault.delay.percent ?? 100),
    };
  }
  if (fault.abort) {
    const percentage = toFractionalPercent(fault.abort.percentage?.value ?? 100);
    if (fault.abort.grpcStatus !== undefined) {
      const code = GRPC_STATUS_CODES[fault.abort.grpcStatus];
      if (code === undefined) {
        throw new Error(`${field}.abort.grpcStatus is '${fault.abort.grpcStatus}'; use a gRPC status name such as UNAVAILABLE`);
      }
      config.abort = { grpc_status: code, percentage };
    } else if (fault.abort.httpStatus !== undefined) {
      config.abort = { http_status: fault.abort.httpStatus, percentage };
    }
  }
  return config;
}

function translateCors(cors: CorsPolicy, field: string): Record<string, unknown> {
  return {
    '@type': CORS_FILTER.policyType,
    ...(cors.allowOrigins?.length ? { allow_origin_string_match: cors.allowOrigins.map((origin) => stringMatcher(origin)).filter(Boolean) } : {}),
    ...(cors.allowMethods?.length ? { allow_methods: cors.allowMethods.join(',') } : {}),
    ...(cors.allowHeaders?.length ? { allow_headers: cors.allowHeaders.join(',') } : {}),
    ...(cors.exposeHeaders?.length ? { expose_headers: cors.exposeHeaders.join(',') } : {}),
    ...(cors.maxAge ? { max_age: String(Number(toProtoDuration(cors.maxAge, `${field}.maxAge`).slice(0, -1))) } : {}),
    ...(cors.allowCredentials !== undefined ? { allow_credentials: cors.allowCredentials } : {}),
  };
}

/** Route-level header edits: `set` overwrites, `add` appends, `remove` drops. */
export function translateHeaderEdits(headers: Headers | undefined): Record<string, unknown> {
  return {
    ...headerOperations(headers?.request, 'request'),
    ...headerOperations(headers?.response, 'response'),
  };
}

function headerOperations(operations: HeaderOperations | undefined, direction: 'request' | 'response'): Record<string, unknown> {
  if (!operations) {
    return {};
  }
  const toAdd = [
    ...Object.entries(operations.set ?? {}).map(([key, value]) => ({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })),
    ...Object.entries(operations.add ?? {}).map(([key, value]) => ({ header: { key, value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' })),
  ];
  return {
    ...(toAdd.length > 0 ? { [`${direction}_headers_to_add`]: toAdd } : {}),
    ...(operations.remove?.length ? { [`${direction}_headers_to_remove`]: [...operations.remove] } : {}),
  };
}
