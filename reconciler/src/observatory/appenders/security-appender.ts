/** The lock: an edge is mutual TLS when every request (or connection) seen on it in the window was. */
import type { GraphDraft } from '../base-graph';

/** Shares are rates summed over proxies; allow for float rounding only. */
const ALL = 1 - 1e-9;

export function appendSecurity(draft: GraphDraft): void {
  for (const edge of draft.edges.values()) {
    const share = edge.traffic?.mtlsShare;
    if (share !== undefined) edge.mtls = share >= ALL;
  }
}
