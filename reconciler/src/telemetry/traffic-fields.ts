/**
 * The additive fields a series keeps per time slot, as offsets into one field array, and how one
 * cluster flush is added into them. Everything here is a count over the slot, so slots, windows
 * and proxies merge by addition.
 */
import { addSampleBuckets, HISTOGRAM_SLOTS } from './histogram';
import type { ClusterFlush } from './proxy-flush';

export const FIELD = {
  /** Responses the caller saw, local replies (overflow, injected aborts) included. */
  requests: 0,
  responses2xx: 1,
  responses3xx: 2,
  responses4xx: 3,
  responses5xx: 4,
  /** gRPC calls with a status, and those with a status other than OK. */
  grpcCalls: 5,
  grpcErrors: 6,
  /** Requests sent (outbound) or received (inbound) while the series' connections were mutual TLS. */
  mtlsRequests: 7,
  latencySum: 8,
  latencyCount: 9,
  /** HISTOGRAM_SLOTS per-bucket latency counts (ms). */
  latencyBuckets: 10,
  sentBytes: 10 + HISTOGRAM_SLOTS,
  receivedBytes: 11 + HISTOGRAM_SLOTS,
  connectionsOpened: 12 + HISTOGRAM_SLOTS,
  connectionsClosed: 13 + HISTOGRAM_SLOTS,
  tlsConnections: 14 + HISTOGRAM_SLOTS,
  /** Requests shed by the circuit breaker (pending-request overflow), answered 503 locally. */
  overflows: 15 + HISTOGRAM_SLOTS,
  retries: 16 + HISTOGRAM_SLOTS,
  ejections: 17 + HISTOGRAM_SLOTS,
  faultAborts: 18 + HISTOGRAM_SLOTS,
  faultDelays: 19 + HISTOGRAM_SLOTS,
  /** Inbound only: connections accepted by the connection manager, and those over TLS. */
  downstreamConnections: 20 + HISTOGRAM_SLOTS,
  downstreamTlsConnections: 21 + HISTOGRAM_SLOTS,
} as const;

export const FIELD_COUNT = 22 + HISTOGRAM_SLOTS;

const CLASS_FIELDS: Record<number, number> = { 2: FIELD.responses2xx, 3: FIELD.responses3xx, 4: FIELD.responses4xx, 5: FIELD.responses5xx };

/** The field of a status code's class; codes outside 2xx–5xx count as 5xx (they are not answers). */
function classField(code: number): number {
  return CLASS_FIELDS[Math.floor(code / 100)] ?? FIELD.responses5xx;
}

/** Whether a flush carries anything to add (Envoy sends every stat it ever used, zeros included). */
export function flushHasTraffic(flush: ClusterFlush, faults: InjectedFaults | undefined): boolean {
  return flush.responses.size > 0 || flush.grpcStatuses.size > 0 || (flush.latency?.count ?? 0) > 0
    || flush.sentBytes > 0 || flush.receivedBytes > 0 || flush.connectionsOpened > 0 || flush.connectionsClosed > 0
    || flush.retries > 0 || flush.ejections > 0 || flush.overflows > 0 || (faults !== undefined && (faults.aborts > 0 || faults.delays > 0));
}

/** Injected faults attributed to one cluster for one flush, and the status an abort answers with. */
export interface InjectedFaults {
  readonly aborts: number;
  readonly delays: number;
  readonly abortStatus: number;
  readonly abortGrpcStatus?: number;
}

/** Adds one flush of one cluster (with the faults attributed to it) into the slot's fields at `at`. */
export function addClusterFlush(fields: Float32Array | Float64Array, at: number, flush: ClusterFlush, mtls: boolean, faults: InjectedFaults | undefined): void {
  let requests = 0;
  for (const [code, count] of flush.responses) {
    requests += count;
    fields[at + classField(code)] += count;
  }
  if (faults && faults.aborts > 0) {
    requests += faults.aborts;
    fields[at + classField(faults.abortStatus)] += faults.aborts;
    if (faults.abortGrpcStatus !== undefined) {
      fields[at + FIELD.grpcCalls] += faults.aborts;
      if (faults.abortGrpcStatus !== 0) fields[at + FIELD.grpcErrors] += faults.aborts;
    }
  }
  fields[at + FIELD.requests] += requests;
  if (mtls) fields[at + FIELD.mtlsRequests] += requests;
  for (const [status, count] of flush.grpcStatuses) {
    fields[at + FIELD.grpcCalls] += count;
    if (status !== 0) fields[at + FIELD.grpcErrors] += count;
  }
  if (flush.latency && flush.latency.count > 0) {
    fields[at + FIELD.latencySum] += flush.latency.sum;
    fields[at + FIELD.latencyCount] += flush.latency.count;
    addSampleBuckets(flush.latency, fields, at + FIELD.latencyBuckets);
  }
  fields[at + FIELD.sentBytes] += flush.sentBytes;
  fields[at + FIELD.receivedBytes] += flush.receivedBytes;
  fields[at + FIELD.connectionsOpened] += flush.connectionsOpened;
  fields[at + FIELD.connectionsClosed] += flush.connectionsClosed;
  fields[at + FIELD.tlsConnections] += flush.tlsHandshakes;
  fields[at + FIELD.overflows] += flush.overflows;
  fields[at + FIELD.retries] += flush.retries;
  fields[at + FIELD.ejections] += flush.ejections;
  if (faults) {
    fields[at + FIELD.faultAborts] += faults.aborts;
    fields[at + FIELD.faultDelays] += faults.delays;
  }
}
