/**
 * Generated resources checked by the real consumers: every resource must encode with the strict
 * protobuf codec (unknown fields, bad enums), and one static Envoy bootstrap holding a proxy's
 * listeners (routes inlined), clusters and endpoints must pass `envoy --mode validate`.
 */
import type { ProxyIdentity } from '../../src/push/contract';
import { encodeMessageJson } from '../../src/xds/codec-json-wire';
import { generateProxyResources } from '../../src/xds/generators';
import { staticBootstrap } from '../support/static-bootstrap';
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
