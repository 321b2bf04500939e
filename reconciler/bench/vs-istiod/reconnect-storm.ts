/**
 * The reconnect storm: with every simulated proxy connected and synced, the control plane is
 * restarted (SIGTERM, then a new process on the same ports); the time from the stop until every
 * proxy has ACKed every type again on a new stream. Proxies retry with Envoy's jittered backoff,
 * so the wait between the old process going away and the new one listening is part of it.
 */
import type { ProxyFleet } from '../sim/proxy-fleet';
import type { ControlPlane } from './control-plane';

export interface StormResult {
  /** The restarted plane: the caller stops it. */
  readonly plane: ControlPlane;
  readonly allReAckedSeconds: number;
  /** Of which: the old process exiting, and the new one starting until ready. */
  readonly stopSeconds: number;
  readonly startSeconds: number;
}

export async function reconnectStorm(fleet: ProxyFleet, plane: ControlPlane, start: () => Promise<ControlPlane>, timeoutMs: number): Promise<StormResult> {
  const acksBefore = fleet.proxies.map((proxy) => new Map([...proxy.counters].map(([typeUrl, counters]) => [typeUrl, counters.acks])));
  const stopped = performance.now();
  await plane.stop();
  const starting = performance.now();
  const restarted = await start();
  const ready = performance.now();
  const reAcked = () => fleet.proxies.every((proxy, index) => [...acksBefore[index]]
    .every(([typeUrl, acks]) => acks === 0 || proxy.counters.get(typeUrl)!.acks > acks));
  try {
    await fleet.waitFor(`${plane.side}: every proxy re-ACKs every type after the restart`, reAcked, timeoutMs);
  } catch (error) {
    await restarted.stop();
    throw error;
  }
  return {
    plane: restarted,
    allReAckedSeconds: (fleet.lastAckAt() - stopped) / 1000,
    stopSeconds: (starting - stopped) / 1000,
    startSeconds: (ready - starting) / 1000,
  };
}
