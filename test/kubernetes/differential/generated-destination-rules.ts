/**
 * Generated DestinationRules (fast-check, seeded) for a `gen-<n>` service: traffic policies with
 * every field the reconciler translates (connection pool, TCP keepalive, outlier detection, simple
 * and consistent-hash load balancing), at every level Istio allows (top level, port, subset, the
 * subset's port), compared as the clusters and route hash policies each side's Envoy holds.
 */
import * as fc from 'fast-check';
import { GENERATED_VERSIONS, hostOf, MESH_NAMESPACE, SERVICE_PORT } from './mesh-under-test';
import type { KubeObject } from '../../../reconciler/bench/vs-istiod/mesh-objects';

const duration = fc.constantFrom('250ms', '1s', '5s', '30s', '90s', '400s');

const connectionPool = fc.record({
  tcp: fc.record({
    maxConnections: fc.integer({ min: 1, max: 500 }),
    connectTimeout: duration,
    tcpKeepalive: fc.record({ time: fc.constantFrom('30s', '60s', '7200s'), interval: fc.constantFrom('10s', '75s', '1500ms'), probes: fc.integer({ min: 1, max: 9 }) }, { requiredKeys: [] }),
  }, { requiredKeys: [] }),
  http: fc.record({
    http1MaxPendingRequests: fc.integer({ min: 1, max: 1000 }),
    http2MaxRequests: fc.integer({ min: 1, max: 1000 }),
    maxRequestsPerConnection: fc.integer({ min: 1, max: 100 }),
    maxRetries: fc.integer({ min: 0, max: 10 }),
    idleTimeout: duration,
    h2UpgradePolicy: fc.constantFrom('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
  }, { requiredKeys: [] }),
}, { requiredKeys: [] });

const outlierDetection = fc.record({
  consecutive5xxErrors: fc.integer({ min: 0, max: 20 }),
  consecutiveGatewayErrors: fc.integer({ min: 0, max: 20 }),
  interval: duration,
  baseEjectionTime: duration,
  maxEjectionPercent: fc.integer({ min: 0, max: 100 }),
  minHealthPercent: fc.integer({ min: 0, max: 100 }),
}, { requiredKeys: [] });

const hashKey = fc.oneof(
  fc.constant({ httpHeaderName: 'x-user' }),
  fc.record({ httpCookie: fc.record({ name: fc.constant('session'), ttl: fc.constantFrom('0s', '60s'), path: fc.constant('/') }, { requiredKeys: ['name'] }) }),
  fc.constant({ useSourceIp: true }),
  fc.constant({ httpQueryParameterName: 'user' }),
);
const hashAlgorithm = fc.oneof(
  fc.constant({}),
  fc.record({ ringHash: fc.record({ minimumRingSize: fc.constantFrom(64, 1024, 4096) }) }),
  fc.record({ maglev: fc.record({ tableSize: fc.constantFrom(251, 65537) }) }),
  fc.record({ minimumRingSize: fc.constantFrom(128, 2048) }),
);
const loadBalancer = fc.oneof(
  fc.record({ simple: fc.constantFrom('ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM') }),
  fc.tuple(hashKey, hashAlgorithm).map(([key, algorithm]) => ({ consistentHash: { ...key, ...algorithm } })),
);

const policyFields = { connectionPool, outlierDetection, loadBalancer };
const portPolicy = fc.record(policyFields, { requiredKeys: [] }).map((policy) => ({ port: { number: SERVICE_PORT }, ...policy }));
const trafficPolicy = fc.record({ ...policyFields, portLevelSettings: fc.array(portPolicy, { minLength: 1, maxLength: 1 }) }, { requiredKeys: [] });

export const generatedDestinationRule = fc.record({
  trafficPolicy: fc.option(trafficPolicy, { nil: undefined }),
  subsetPolicies: fc.array(fc.option(trafficPolicy, { nil: undefined, freq: 2 }), {
    minLength: GENERATED_VERSIONS.length, maxLength: GENERATED_VERSIONS.length,
  }),
});

export interface DestinationRuleCase {
  readonly id: string;
  readonly service: string;
  readonly object: KubeObject;
}

/**
 * `count` DestinationRules from `seed`, case i on `gen-<i mod services>`. Each also names a marker
 * subset (`marker`, `markerSubset`) whose cluster tells when a side serves this version of the rule.
 */
export function generatedDestinationRules(seed: number, count: number, services: number): DestinationRuleCase[] {
  return fc.sample(generatedDestinationRule, { seed, numRuns: count }).map((rule, index) => {
    const service = `gen-${index % services}`;
    const subsets = GENERATED_VERSIONS.map((version, position) => ({
      name: version, labels: { version }, ...(rule.subsetPolicies[position] ? { trafficPolicy: rule.subsetPolicies[position] } : {}),
    }));
    return {
      id: `generated-dr-${seed}-${index}`,
      service,
      object: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: service, namespace: MESH_NAMESPACE },
        spec: { host: hostOf(service), ...(rule.trafficPolicy ? { trafficPolicy: rule.trafficPolicy } : {}), subsets },
      },
    };
  });
}

/** The rule with a marker subset added: its cluster appears once a side serves the rule. */
export function withMarkerSubset(object: KubeObject, marker: string): KubeObject {
  return { ...object, spec: { ...object.spec, subsets: [...object.spec.subsets, { name: marker, labels: { version: GENERATED_VERSIONS[0] } }] } };
}
