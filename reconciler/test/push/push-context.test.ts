import { ingestDocuments } from '../../src/config/ingest';
import { DEFAULT_MESH_SETTINGS } from '../../src/push/mesh-settings';
import { PushContext } from '../../src/push/push-context';

function build(text: string): PushContext {
  return PushContext.build(ingestDocuments([{ source: 'test.yaml', text }]).objects, DEFAULT_MESH_SETTINGS);
}

describe('PushContext indexes', () => {
  test('GIVEN a Service, a Pod, an EndpointSlice and a ServiceEntry WHEN built THEN services and endpoints are indexed by host', () => {
    const push = build(`
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ name: http, port: 80, targetPort: web }] }
---
apiVersion: v1
kind: Pod
metadata: { name: web-1, namespace: shop, labels: { app: web, version: v1 } }
spec: { containers: [{ name: app, ports: [{ name: web, containerPort: 8080 }] }] }
status: { podIP: 10.1.0.5 }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: legacy, namespace: shop }
spec:
  hosts: [legacy.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 7000, name: tcp-legacy, protocol: TCP }]
  endpoints: [{ address: 127.0.5.1, ports: { tcp-legacy: 7001 }, labels: { zone: a } }]
`);
    expect(push.services().map((service) => service.hostname)).toEqual(['legacy.internal', 'web.shop.svc.cluster.local']);
    const web = push.serviceByHost('web.shop.svc.cluster.local')!;
    expect(push.endpointsFor(web, web.ports[0]).map((endpoint) => `${endpoint.instance.address}:${endpoint.port}`)).toEqual(['10.1.0.5:8080']);
    expect(push.endpointsFor(web, web.ports[0], { version: 'v2' })).toEqual([]);
    const legacy = push.serviceByHost('legacy.internal')!;
    expect(legacy).toMatchObject({ resolution: 'EDS', external: false });
    expect(legacy.ports[0].protocol).toBe('TCP');
    expect(push.endpointsFor(legacy, legacy.ports[0]).map((endpoint) => endpoint.port)).toEqual([7001]);
  });

  test.each([
    ['the client namespace', 'client', 'client-rule'],
    ['the service namespace', 'elsewhere', 'service-rule'],
  ])('GIVEN DestinationRules in several namespaces WHEN looked up from %s THEN Istio precedence picks it', (_, clientNamespace, expected) => {
    const push = build(['client-rule:client', 'service-rule:shop', 'other-rule:aaa'].map((entry) => {
      const [name, namespace] = entry.split(':');
      return `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec: { host: web.shop.svc.cluster.local }`;
    }).join('\n---\n') + '\n---\napiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec: { ports: [{ port: 80 }] }');
    expect(push.destinationRuleFor('web.shop.svc.cluster.local', { namespace: clientNamespace, labels: {} })?.name).toBe(expected);
  });

  test('GIVEN Sidecars with and without selector WHEN looked up THEN the selecting one wins over the namespace default', () => {
    const push = build(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: shop }
spec: { egress: [{ hosts: ["./*"] }] }
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: web, namespace: shop }
spec: { workloadSelector: { labels: { app: web } }, egress: [{ hosts: ["*/*"] }] }
`);
    expect(push.sidecarFor({ namespace: 'shop', labels: { app: 'web' } })?.name).toBe('web');
    expect(push.sidecarFor({ namespace: 'shop', labels: { app: 'db' } })?.name).toBe('default');
    expect(push.sidecarFor({ namespace: 'other', labels: {} })).toBeUndefined();
  });
});
