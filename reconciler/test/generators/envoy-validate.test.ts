/**
 * Generated resources checked by the real consumers: every resource must encode with the strict
 * protobuf codec (unknown fields, bad enums), and one static Envoy bootstrap holding a proxy's
 * listeners (routes inlined), clusters and endpoints must pass `envoy --mode validate`.
 */
import { buildEnvoyBootstrap } from '../../src/model';
import type { ProxyIdentity, ProxyResources } from '../../src/push/contract';
import { TYPE_URLS } from '../../src/push/contract';
import { encodeMessageJson } from '../../src/xds/codec-from-json';
import { generateProxyResources } from '../../src/xds/generators';
import { resourcesOf } from '../support/simulate';
import { validateWithEnvoy } from '../translate-security/envoy-process';
import { BOOKINFO, loadPushContext, productpageProxy } from './fixture-loader';

const NONE_MODE_SIDECAR = `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: productpage, namespace: bookinfo }
spec:
  workloadSelector: { labels: { app: productpage } }
  ingress:
  - { port: { number: 9080, name: http, protocol: HTTP }, defaultEndpoint: "127.0.0.1:19080" }
  egress:
  - { port: { number: 9080, name: http, protocol: HTTP }, hosts: ["./*"] }
  - { hosts: ["storage/*"] }
`;

describe('generated resources against the real consumers', () => {
  const cases: [string, ProxyIdentity, string][] = [
    ['REDIRECT', productpageProxy('REDIRECT'), ''],
    ['NONE', productpageProxy('NONE'), NONE_MODE_SIDECAR],
  ];

  test.each(cases)('GIVEN bookinfo and a %s-mode proxy WHEN its resources are encoded THEN the strict codec accepts every one', (_, identity, extra) => {
    const resources = generateProxyResources(loadPushContext(BOOKINFO, extra), identity);
    for (const [typeUrl, list] of resources) {
      for (const resource of list) {
        expect(() => encodeMessageJson(typeUrl, resource.resource, `${resource.name}`)).not.toThrow();
      }
    }
  });

  test.each(cases)('GIVEN bookinfo and a %s-mode proxy WHEN Envoy validates a bootstrap holding its resources THEN Envoy accepts it', (_, identity, extra) => {
    const resources = generateProxyResources(loadPushContext(BOOKINFO, extra), identity);
    expect(() => validateWithEnvoy(staticBootstrap(identity, resources))).not.toThrow();
  });
});

/** The ADS bootstrap plus the generated config as static resources; RDS and EDS answers inlined. */
function staticBootstrap(identity: ProxyIdentity, resources: ProxyResources): Record<string, unknown> {
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
