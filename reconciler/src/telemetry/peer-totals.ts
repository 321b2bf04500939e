/**
 * The canary totals replicas exchange: each serves what its sidecars reported for the tracked
 * subsets (`GET /internal/subset-totals` on its ops port, see ops-server.ts), and the rollout
 * leader reads every peer's (FleetSubsetTotals). JSON: `{ replica, incarnation, totals: { "<host>|<subset>": { since, fields } } }`.
 */
import type { SubsetTotals } from './subset-totals';
import { FIELD_COUNT } from './traffic-fields';

export const PEER_TOTALS_PATH = '/internal/subset-totals';

export interface PeerTotals {
  readonly replica: string;
  readonly incarnation: string;
  readonly totals: Readonly<Record<string, { readonly since: number; readonly fields: readonly number[] }>>;
}

/** What this replica serves its peers: every tracked subset's totals. */
export function peerTotalsOf(local: SubsetTotals, replica: string, incarnation: string): PeerTotals {
  const totals: Record<string, { since: number; fields: number[] }> = {};
  for (const key of local.keys) totals[key] = { since: local.since(key)!, fields: [...local.read(key)!] };
  return { replica, incarnation, totals };
}

/** Checks a peer's answer; throws naming what is wrong (a peer of another version, a proxy in between). */
export function parsePeerTotals(body: unknown, from: string): PeerTotals {
  const value = body as PeerTotals;
  const bad = (what: string) => new Error(`${from} answered ${PEER_TOTALS_PATH} with ${what}; every replica must run the same reconciler version`);
  if (typeof value !== 'object' || value === null || typeof value.incarnation !== 'string' || typeof value.replica !== 'string' || typeof value.totals !== 'object' || value.totals === null) {
    throw bad('no {replica, incarnation, totals} object');
  }
  for (const [key, entry] of Object.entries(value.totals)) {
    if (typeof entry?.since !== 'number' || !Array.isArray(entry.fields) || entry.fields.length !== FIELD_COUNT || entry.fields.some((field) => typeof field !== 'number')) {
      throw bad(`totals of '${key}' that are not {since, fields: ${FIELD_COUNT} numbers}`);
    }
  }
  return value;
}

/** How long one peer may take to answer before it counts as unreachable for this poll. */
const PEER_TIMEOUT_MS = 2000;

/** Reads a peer's totals over HTTP, authenticated with `token` (rejects naming the peer and why). */
export async function fetchPeerTotals(peer: { readonly name: string; readonly opsUrl: string }, token: string | undefined): Promise<PeerTotals> {
  const from = `replica ${peer.name} (${peer.opsUrl})`;
  if (!token) throw new Error(`this replica has no service-account token to present to ${from}`);
  let response: Response;
  try {
    response = await fetch(`${peer.opsUrl}${PEER_TOTALS_PATH}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(PEER_TIMEOUT_MS) });
  } catch (error) {
    // fetch says "fetch failed"; the cause says why (ECONNREFUSED, a timeout, …).
    const cause = (error as Error & { cause?: Error }).cause?.message;
    throw new Error(cause ? `${(error as Error).message}: ${cause}` : (error as Error).message);
  }
  const body = await response.json().catch(() => undefined) as { error?: string } | undefined;
  if (!response.ok) throw new Error(`HTTP ${response.status}${body?.error ? `: ${body.error}` : ''}`);
  return parsePeerTotals(body, from);
}
