/**
 * What a case's client sidecar is given beyond its routes: the hosts its outbound route
 * configuration serves and the outbound clusters it holds (what a Sidecar's egress narrows), and,
 * for the clusters a case names, their traffic policy and how their endpoints are found.
 */
import { clustersOf, normaliseCluster } from './cluster-comparison';
import { normaliseDiscovery } from './cluster-discovery';
import type { Sides } from './differential-runner';
import { SERVICE_PORT } from './mesh-under-test';

type Json = Record<string, any>;

export interface ScopeComparison {
  readonly caseId: string;
  readonly subject: string;
  readonly agree: boolean;
  readonly istiod?: unknown;
  readonly reconciler?: unknown;
}

/**
 * The hosts served on the service port, one per virtual host: its longest domain without a port
 * (both sides list the full name first among the short forms), catch-alls as their own name.
 */
function servedHosts(dump: { configs?: Json[] }): string[] {
  const hosts: string[] = [];
  for (const config of dump.configs ?? []) {
    if (!String(config['@type']).includes('RoutesConfigDump')) continue;
    for (const entry of config.dynamic_route_configs ?? []) {
      if (entry.route_config?.name !== String(SERVICE_PORT)) continue;
      for (const virtualHost of (entry.route_config.virtual_hosts ?? []) as Json[]) {
        // The client captures nothing, where istiod's ALLOW_ANY catch-all is a deliberate difference (deliberate-differences.ts).
        if (virtualHost.name === 'allow_any') continue;
        const domains = ((virtualHost.domains ?? []) as string[]).filter((domain) => !domain.includes(':'));
        hosts.push(domains.includes('*') ? `* (${virtualHost.name})` : domains.sort((a, b) => b.length - a.length)[0] ?? virtualHost.name);
      }
    }
  }
  return hosts.sort();
}

const outboundClusters = (dump: { configs?: Json[] }) => [...clustersOf(dump).keys()].filter((name) => name.startsWith('outbound|')).sort();

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The hosts and outbound clusters each client sidecar holds. */
export async function compareScope(sides: Sides, caseId: string): Promise<ScopeComparison[]> {
  const [istiod, reconciler] = await Promise.all([sides.istiod.configDump(), sides.reconciler.configDump()]);
  return [
    { subject: 'hosts served', istiod: servedHosts(istiod), reconciler: servedHosts(reconciler) },
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
