/**
 * What a case's client sidecar is given beyond its routes: the hosts its outbound route
 * configuration serves and the outbound clusters it holds (what a Sidecar's egress narrows), and,
 * for the clusters a case names, their traffic policy and how their endpoints are found.
 */
import { clustersOf, normaliseCluster } from './cluster-comparison';
import { normaliseDiscovery } from './cluster-discovery';
import type { Sides } from './differential-runner';

type Json = Record<string, any>;

export interface ScopeComparison {
  readonly caseId: string;
  readonly subject: string;
  readonly agree: boolean;
  readonly istiod?: unknown;
  readonly reconciler?: unknown;
}

/**
 * The hosts each outbound route configuration (named by its port) serves, one per virtual host:
 * its longest domain without a port (both sides list the full name first among the short forms),
 * catch-alls as their own name.
 */
function servedHosts(dump: { configs?: Json[] }): Record<string, string[]> {
  const byPort: Record<string, string[]> = {};
  for (const config of dump.configs ?? []) {
    if (!String(config['@type']).includes('RoutesConfigDump')) continue;
    for (const entry of config.dynamic_route_configs ?? []) {
      const name = String(entry.route_config?.name ?? '');
      if (!/^\d+$/.test(name)) continue;
      const hosts: string[] = [];
      for (const virtualHost of (entry.route_config.virtual_hosts ?? []) as Json[]) {
        // The client captures nothing, where istiod's ALLOW_ANY catch-all is a deliberate difference (deliberate-differences.ts).
        if (virtualHost.name === 'allow_any') continue;
        const domains = ((virtualHost.domains ?? []) as string[]).filter((domain) => !domain.includes(':'));
        hosts.push(domains.includes('*') ? `* (${virtualHost.name})` : domains.sort((a, b) => b.length - a.length)[0] ?? virtualHost.name);
      }
      byPort[name] = hosts.sort();
    }
  }
  return Object.fromEntries(Object.entries(byPort).sort(([a], [b]) => Number(a) - Number(b)));
}

/** The ports of the client's outbound listeners (where each side binds them differs, see sidecar-envoy.ts). */
function outboundListenerPorts(dump: { configs?: Json[] }): number[] {
  const ports = new Set<number>();
  for (const config of dump.configs ?? []) {
    for (const listener of (config.dynamic_listeners ?? []) as Json[]) {
      const active = listener.active_state?.listener;
      if (active?.traffic_direction === 'OUTBOUND' && active.address?.socket_address) ports.add(active.address.socket_address.port_value);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

const outboundClusters = (dump: { configs?: Json[] }) => [...clustersOf(dump).keys()].filter((name) => name.startsWith('outbound|')).sort();

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The hosts and outbound clusters each client sidecar holds. */
export async function compareScope(sides: Sides, caseId: string): Promise<ScopeComparison[]> {
  const [istiod, reconciler] = await Promise.all([sides.istiod.configDump(), sides.reconciler.configDump()]);
  return [
    { subject: 'hosts served per port', istiod: servedHosts(istiod), reconciler: servedHosts(reconciler) },
    { subject: 'outbound listener ports', istiod: outboundListenerPorts(istiod), reconciler: outboundListenerPorts(reconciler) },
    { subject: 'outbound clusters', istiod: outboundClusters(istiod), reconciler: outboundClusters(reconciler) },
  ].map((entry) => ({ caseId, ...entry, agree: same(entry.istiod, entry.reconciler) }));
}

/** Each named cluster's traffic policy and discovery, as each client sidecar holds it. */
export async function compareClusters(sides: Sides, caseId: string, names: readonly string[]): Promise<ScopeComparison[]> {
  const [istiod, reconciler] = await Promise.all([sides.istiod, sides.reconciler].map(async (sidecar) => clustersOf(await sidecar.configDump())));
  const normalised = (cluster: Json | undefined) => (cluster ? { ...normaliseCluster(cluster), discovery: normaliseDiscovery(cluster) } : 'missing');
  return names.map((name) => {
    const a = normalised(istiod.get(name));
    const b = normalised(reconciler.get(name));
    return { caseId, subject: name, agree: same(a, b), istiod: a, reconciler: b };
  });
}
