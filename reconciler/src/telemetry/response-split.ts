/**
 * One cluster flush as Istio's per-request labels would count it: requests by response code,
 * response flags and gRPC status. Envoy's cluster stats count requests by code only, so the rest
 * is derived from the flush:
 * - `UO` (upstream overflow): the circuit breaker's pending-request overflows, which Envoy answers
 *   503 locally, are taken out of the 503s;
 * - `FI` (fault injected): aborts attributed to the cluster, with the route's abort status (they
 *   never reach the cluster's own counts);
 * - gRPC statuses from the gRPC stats filter go to the HTTP 200 responses that carried them;
 *   other codes have no gRPC status.
 * Local replies (`UO`, `FI`) never reached the destination, so a destination report leaves them out.
 */
import type { ClusterFlush } from './proxy-flush';
import type { InjectedFaults } from './traffic-fields';

export interface ResponseCount {
  readonly code: number;
  /** Envoy response flags as Istio reports them: `-` for none. */
  readonly flags: string;
  /** gRPC status, or '' when the request is not gRPC (or Envoy saw none). */
  readonly grpcStatus: string;
  readonly count: number;
  readonly reachedDestination: boolean;
}

export function splitResponses(flush: ClusterFlush, faults: InjectedFaults | undefined, grpc: boolean): ResponseCount[] {
  const counts: ResponseCount[] = [];
  let overflows = flush.overflows;
  const grpcStatuses = grpc ? [...flush.grpcStatuses].sort(([a], [b]) => a - b).map(([status, count]) => ({ status, left: count })) : [];
  for (const [code, total] of [...flush.responses].sort(([a], [b]) => a - b)) {
    let left = total;
    if (code === 503 && overflows > 0) {
      const shed = Math.min(overflows, left);
      overflows -= shed;
      left -= shed;
      counts.push({ code, flags: 'UO', grpcStatus: '', count: shed, reachedDestination: false });
    }
    if (code === 200) {
      for (const status of grpcStatuses) {
        const taken = Math.min(status.left, left);
        if (taken <= 0) continue;
        status.left -= taken;
        left -= taken;
        counts.push({ code, flags: '-', grpcStatus: String(status.status), count: taken, reachedDestination: true });
      }
    }
    if (left > 0) counts.push({ code, flags: '-', grpcStatus: '', count: left, reachedDestination: true });
  }
  if (faults && faults.aborts > 0) {
    counts.push({
      code: faults.abortStatus, flags: 'FI', grpcStatus: faults.abortGrpcStatus !== undefined ? String(faults.abortGrpcStatus) : '',
      count: faults.aborts, reachedDestination: false,
    });
  }
  return counts;
}
