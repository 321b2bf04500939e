/**
 * What the mesh itself reports about one caller → service edge: the reconciler's telemetry
 * (`/debug/traffic`, built from the Envoy stats every sidecar streams to it every 5 s), reduced
 * to the per-version request rates and the 5xx ratio the demo prints next to what it observed.
 */
import type { EdgeTraffic } from '../../reconciler/src/telemetry/edge-traffic';

export interface ReportedEdge {
  /** Requests per second by destination version. */
  readonly ratesByVersion: Readonly<Record<string, number>>;
  /** 5xx responses over all responses, 0–100 (aborts the caller's fault filter injects never reach the service's cluster). */
  readonly errorPercent: number;
}

/** The outbound edges from `caller` to `service`, merged over versions; undefined when none was reported. */
export function reportedEdge(edges: readonly EdgeTraffic[], caller: string, service: string): ReportedEdge | undefined {
  const matching = edges.filter((edge) => edge.direction === 'outbound' && edge.source.app === caller && edge.destination.service?.name === service);
  if (matching.length === 0) return undefined;
  const ratesByVersion: Record<string, number> = {};
  let responses = 0;
  let errors = 0;
  for (const edge of matching) {
    ratesByVersion[edge.destination.version] = (ratesByVersion[edge.destination.version] ?? 0) + edge.requestsPerSecond;
    const perClass = edge.responsesPerSecond;
    responses += perClass['2xx'] + perClass['3xx'] + perClass['4xx'] + perClass['5xx'];
    errors += perClass['5xx'];
  }
  return { ratesByVersion, errorPercent: responses === 0 ? 0 : (100 * errors) / responses };
}
