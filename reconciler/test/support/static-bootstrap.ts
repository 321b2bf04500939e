/** A proxy's generated resources as one static Envoy bootstrap, for `envoy --mode validate`. */
import { buildEnvoyBootstrap } from '../../src/model';
import type { ProxyIdentity, ProxyResources } from '../../src/push/contract';
import { TYPE_URLS } from '../../src/push/contract';
import { resourcesOf } from './simulate';

/** The ADS bootstrap plus the generated config as static resources; RDS and EDS answers inlined. */
export function staticBootstrap(identity: ProxyIdentity, resources: ProxyResources): Record<string, unknown> {
  const bootstrap = buildEnvoyBootstrap({
    node: { ...identity, cluster: 'productpage.bookinfo', labels: { ...identity.labels } },
    xds: { host: '127.0.0.1', port: 15010 },
  }) as any;
  const routes = new Map(resourcesOf(resources, TYPE_URLS.route).map((route) => [route.name, route]));
  const assignments = new Map(resourcesOf(resources, TYPE_URLS.endpoint).map((assignment) => [assignment.cluster_name, assignment]));
  const listeners = resourcesOf(resources, TYPE_URLS.listener).map((listener) => JSON.parse(JSON.stringify(listener), (key, value) => {
    if (value && typeof value === 'object' && value.rds) {
      const { rds, ...rest } = value;
      return { ...rest, route_config: routes.get(rds.route_config_name) };
    }
    return value;
  }));
  const clusters = resourcesOf(resources, TYPE_URLS.cluster).flatMap((cluster) => {
    if (cluster.type !== 'EDS') {
      return [cluster];
    }
    const { eds_cluster_config: _eds, ...rest } = cluster;
    // Keep one EDS form per service so its ADS config source is validated too.
    return [{ ...rest, type: 'STATIC', load_assignment: assignments.get(cluster.name) }, { ...cluster, name: `${cluster.name}#eds` }];
  });
  bootstrap.static_resources.listeners.push(...listeners);
  bootstrap.static_resources.clusters.push(...clusters);
  return bootstrap;
}
