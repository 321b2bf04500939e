/**
 * A scoped proxy's visible services are found by looking up the services its dependencies and
 * egress hosts name; this checks the lookup against the definition it must agree with, every
 * service of the mesh tested against every entry, for random meshes, Sidecars and dependency lists.
 */
import * as fc from 'fast-check';
import { DEPENDENCIES_ANNOTATION } from '../../src/model';
import { egressHostsAdmit, ownServices, visibleServices } from '../../src/push/proxy-scope';
import type { PushContext } from '../../src/push/push-context';
import type { ProxyIdentity } from '../../src/push/contract';
import { loadPushContext, proxy as proxyIdentity } from '../generators/fixture-loader';

const NAMESPACES = ['a', 'b', 'c'];
const NAMES = ['reviews', 'ratings', 'web', 'db'];
const EXTERNAL_HOSTS = ['api.example.com', 'auth.example.com', 'reviews.a.svc.cluster.local', 'db.internal'];
const EGRESS_HOSTS = ['./*', '*/*', 'a/*', 'b/reviews', './ratings', '*/api.example.com', '~/*', 'a/reviews.a.svc.cluster.local',
  '*/reviews', 'c/*.example.com', 'b/db', 'reviews', 'c/db.internal', './web.b.svc.cluster.local', 'b/'];
const DEPENDENCIES = ['reviews.a', 'ratings.b', 'api.example.com', 'db.c', 'web.a', 'reviews.a.svc.cluster.local', 'nothing.here'];

/** The definition: every service of the push, tested against the dependency list and every egress entry. */
function definedVisible(push: PushContext, proxy: ProxyIdentity, egress: { port?: number; hosts: string[] }[], dependencies: string[] | undefined): string[] {
  const own = new Set(ownServices(push, proxy).map((service) => service.hostname));
  if (egress.length === 0 && !dependencies) return push.services().map((service) => service.hostname);
  return push.services().flatMap((service) => {
    if (own.has(service.hostname)) return [service.hostname];
    const listeners = egress.filter((listener) => egressHostsAdmit(listener.hosts, proxy, push.mesh.clusterDomain, service));
    if (egress.length > 0 && !listeners.some((listener) => !listener.port || service.ports.some((port) => port.number === listener.port))) return [];
    if (dependencies && !dependencies.includes(`${service.name}.${service.namespace}`) && !dependencies.includes(service.hostname)) return [];
    return [service.hostname];
  });
}

const mesh = fc.record({
  services: fc.subarray(NAMESPACES.flatMap((namespace) => NAMES.map((name) => ({ namespace, name }))), { minLength: 1 }),
  entries: fc.subarray(EXTERNAL_HOSTS.map((host, i) => ({ host, namespace: NAMESPACES[i % NAMESPACES.length] }))),
  egress: fc.array(fc.record({ port: fc.constantFrom(undefined, 9080, 443), hosts: fc.subarray(EGRESS_HOSTS, { minLength: 1, maxLength: 4 }) }), { maxLength: 3 }),
  dependencies: fc.option(fc.subarray(DEPENDENCIES, { minLength: 1 }), { nil: undefined }),
  proxyNamespace: fc.constantFrom(...NAMESPACES),
  proxyApp: fc.constantFrom(...NAMES),
});

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

function yamlOf(scenario: ValueOf<typeof mesh>): string {
  const services = scenario.services.map(({ namespace, name }) => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec: { selector: { app: ${name} }, ports: [{ name: http, port: 9080 }] }`);
  const entries = scenario.entries.map(({ host, namespace }, i) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: entry-${i}, namespace: ${namespace} }
spec: { hosts: [${host}], location: MESH_EXTERNAL, resolution: DNS, ports: [{ name: https, number: 443, protocol: TLS }] }`);
  const annotations = scenario.dependencies ? `, annotations: { ${DEPENDENCIES_ANNOTATION}: "${scenario.dependencies.join(',')}" }` : '';
  const egress = scenario.egress.map((listener) => `  - { ${listener.port ? `port: { number: ${listener.port}, name: p${listener.port}, protocol: ${listener.port === 443 ? 'TLS' : 'HTTP'} }, ` : ''}hosts: [${listener.hosts.map((host) => `"${host}"`).join(', ')}] }`);
  const sidecar = scenario.egress.length > 0 || scenario.dependencies ? [`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: scoped, namespace: ${scenario.proxyNamespace}${annotations} }
spec:
  workloadSelector: { labels: { app: ${scenario.proxyApp} } }
${egress.length > 0 ? `  egress:\n${egress.join('\n')}` : '  egress: []'}`] : [];
  return [...services, ...entries, ...sidecar].join('\n---\n');
}

describe('proxy scope', () => {
  test('GIVEN random meshes, Sidecar egress hosts and dependency lists WHEN a proxy\'s visible services are found THEN they are exactly the ones the definition admits, in host order', () => {
    let scoped = 0;
    fc.assert(fc.property(mesh, (scenario) => {
      const push = loadPushContext([], yamlOf(scenario));
      const proxy = proxyIdentity({ name: `${scenario.proxyApp}-1`, namespace: scenario.proxyNamespace, labels: { app: scenario.proxyApp } });
      const sidecar = push.sidecarFor(proxy);
      const visible = visibleServices(push, proxy, sidecar).map((service) => service.hostname);
      const egress = scenario.egress.length > 0 || scenario.dependencies ? scenario.egress : [];
      expect(visible).toEqual(definedVisible(push, proxy, egress, scenario.dependencies));
      if (visible.length < push.services().length) scoped += 1;
    }), { numRuns: 300, seed: 20261207 });
    // Most scenarios must actually narrow the view, or the comparison says little.
    expect(scoped).toBeGreaterThan(150);
  });
});
