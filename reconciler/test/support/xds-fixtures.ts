/**
 * A small, hand-built set of Envoy resources: one HTTP listener → route → EDS cluster → endpoints.
 * Proves the ADS path without the generators; every name is a parameter so tests can vary them.
 */
import { TYPE_URLS } from '../../src/push/contract';
import type { ProxyResources, TypeUrl, XdsResource } from '../../src/push/contract';

export interface FixtureOptions {
  readonly listenerAddress?: string;
  readonly listenerPort?: number;
  readonly routeName?: string;
  readonly clusterName?: string;
  /** Backends the cluster balances over. */
  readonly endpoints?: readonly { address: string; port: number }[];
  /** Extra response header the route adds, to tell config versions apart. */
  readonly responseTag?: string;
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

export function httpListener(name: string, address: string, port: number, routeName: string): XdsResource {
  return {
    name,
    resource: {
      name,
      address: { socket_address: { address, port_value: port } },
      filter_chains: [{
        filters: [{
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM,
            'stat_prefix': name,
            'rds': { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
            'http_filters': [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
          },
        }],
      }],
    },
  };
}

export function routeTo(routeName: string, clusterName: string, responseTag?: string): XdsResource {
  return {
    name: routeName,
    resource: {
      name: routeName,
      virtual_hosts: [{
        name: 'all',
        domains: ['*'],
        routes: [{ match: { prefix: '/' }, route: { cluster: clusterName, timeout: '5s' } }],
        ...(responseTag ? { response_headers_to_add: [{ header: { key: 'x-config-tag', value: responseTag } }] } : {}),
      }],
    },
  };
}

export function edsCluster(clusterName: string): XdsResource {
  return {
    name: clusterName,
    resource: {
      name: clusterName,
      type: 'EDS',
      connect_timeout: '1s',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    },
  };
}

export function endpointsFor(clusterName: string, endpoints: readonly { address: string; port: number }[]): XdsResource {
  return {
    name: clusterName,
    resource: {
      cluster_name: clusterName,
      endpoints: [{
        lb_endpoints: endpoints.map((endpoint) => ({
          endpoint: { address: { socket_address: { address: endpoint.address, port_value: endpoint.port } } },
        })),
      }],
    },
  };
}

/** listener `http_<port>` → route → cluster → endpoints. */
export function httpFixture(options: FixtureOptions = {}): ProxyResources {
  const port = options.listenerPort ?? 18080;
  const routeName = options.routeName ?? `route_${port}`;
  const clusterName = options.clusterName ?? 'backend';
  return new Map<TypeUrl, XdsResource[]>([
    [TYPE_URLS.listener, [httpListener(`http_${port}`, options.listenerAddress ?? '127.0.0.1', port, routeName)]],
    [TYPE_URLS.route, [routeTo(routeName, clusterName, options.responseTag)]],
    [TYPE_URLS.cluster, [edsCluster(clusterName)]],
    [TYPE_URLS.endpoint, [endpointsFor(clusterName, options.endpoints ?? [{ address: '127.0.0.1', port: 18000 }])]],
  ]);
}
