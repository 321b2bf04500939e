/**
 * Waiting until the data plane runs what the reconciler serves: every proxy connected, and every
 * type it subscribed to ACKed at the version of its current snapshot. A NACK of the current
 * version fails at once with Envoy's reason instead of running into the timeout.
 */
import type { ControlPlane } from './control-plane';
import { STARTUP_DEADLINE_MS, waitUntil } from '../../../reconciler/test/support/wait';

interface TypeSync {
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  readonly lastNack?: { readonly rejectedVersion?: string; readonly message: string };
}

type Syncz = Record<string, Record<string, TypeSync>>;
type ConfigDump = Record<string, { version: string }>;

/** Proxies not yet converged, with what is missing; empty when all have. */
export async function unconvergedProxies(control: ControlPlane, proxyIds: readonly string[]): Promise<string[]> {
  const syncz = await control.ops<Syncz>('/debug/syncz');
  const pending: string[] = [];
  for (const proxyId of proxyIds) {
    const types = syncz[proxyId];
    if (!types) {
      pending.push(`${proxyId}: not connected`);
      continue;
    }
    const dump = await control.ops<ConfigDump>(`/debug/config_dump?proxy=${encodeURIComponent(proxyId)}`).catch(() => undefined);
    for (const [typeUrl, status] of Object.entries(types)) {
      const current = dump?.[typeUrl]?.version;
      if (status.lastNack && status.lastNack.rejectedVersion === current) {
        throw new Error(`${proxyId} rejected ${typeUrl} version ${current}: ${status.lastNack.message}`);
      }
      if (status.sentVersion === undefined) continue;
      if (status.ackedVersion !== current) pending.push(`${proxyId}: ${typeUrl} acked ${status.ackedVersion ?? 'nothing'}, current ${current}`);
    }
  }
  return pending;
}

export async function waitForConvergence(control: ControlPlane, proxyIds: readonly string[], timeoutMs = STARTUP_DEADLINE_MS): Promise<void> {
  let pending: string[] = [];
  try {
    await waitUntil('every proxy to ACK its current config', async () => {
      pending = await unconvergedProxies(control, proxyIds);
      return pending.length === 0;
    }, timeoutMs, 50);
  } catch (error) {
    throw new Error(`${(error as Error).message}; still pending:\n  ${pending.join('\n  ')}`);
  }
}

/** The reconciler's count of ingested config sets, to tell when an edit has been picked up. */
export async function configLoads(control: ControlPlane): Promise<number> {
  const metrics = await control.opsText('/metrics');
  const line = metrics.split('\n').find((text) => text.startsWith('reconciler_config_loads_total'));
  return line ? Number(line.split(' ').pop()) : 0;
}
